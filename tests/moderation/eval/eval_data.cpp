#include "eval_data.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace circles::moderation::eval {

std::string data_dir() {
#ifdef CIRCLES_EVAL_DATA
    return CIRCLES_EVAL_DATA;
#else
    return ".";
#endif
}

namespace {

bool read_raw_lines(const std::string& path, std::vector<std::string>& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out.push_back(std::move(line));
    }
    return true;
}

}  // namespace

std::vector<std::string> load_lines(const std::string& path) {
    std::vector<std::string> raw;
    if (!read_raw_lines(path, raw)) throw std::runtime_error("cannot read " + path);
    std::vector<std::string> out;
    for (auto& l : raw)
        if (!l.empty() && l[0] != '#') out.push_back(std::move(l));
    return out;
}

std::vector<risk_case> load_risk(const std::string& path) {
    std::vector<std::string> raw;
    if (!read_raw_lines(path, raw)) throw std::runtime_error("cannot read " + path);
    std::vector<risk_case> out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const auto& l = raw[i];
        if (l.empty() || l[0] == '#') continue;
        const auto tab = l.find('\t');
        const std::string where = path + ":" + std::to_string(i + 1);
        if (tab == std::string::npos) throw std::runtime_error(where + ": no TAB in: " + l);
        risk_case c{l.substr(0, tab), l.substr(tab + 1), static_cast<int>(i + 1)};
        if (std::find(risk_categories.begin(), risk_categories.end(), c.category) ==
            risk_categories.end())
            throw std::runtime_error(where + ": unknown category '" + c.category + "'");
        if (c.text.empty()) throw std::runtime_error(where + ": empty text");
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<std::string> fill_templates(const std::vector<std::string>& templates,
                                        const std::vector<std::string>& terms) {
    std::vector<std::string> out;
    for (const auto& t : templates) {
        const auto slot = t.find("{}");
        if (slot == std::string::npos) throw std::runtime_error("template without {}: " + t);
        for (const auto& term : terms) out.push_back(t.substr(0, slot) + term + t.substr(slot + 2));
    }
    return out;
}

std::vector<std::string> load_dictionary(const std::string& path) {
    std::vector<std::string> raw;
    if (!read_raw_lines(path, raw))
        throw std::runtime_error("dictionary " + path +
                                 " is missing: install the Debian package wamerican "
                                 "(apt-get install wamerican)");
    std::vector<std::string> out;
    for (auto& w : raw)
        if (!w.empty() && w.find('\'') == std::string::npos) out.push_back(std::move(w));
    return out;
}

}  // namespace circles::moderation::eval
