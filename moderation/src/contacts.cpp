#include "contacts.hpp"

namespace circles::moderation::detail {

// Bare "@name" is a chat mention (counted by flood_guard), not a contact detail; a handle
// is a platform word followed by a name ("snap: jo_x", "my insta is jo.x").
const std::vector<contact_pattern>& contact_patterns() {
    static const std::vector<contact_pattern> patterns = {
        // Phone numbers: NANP-style 10 digits, international "+", 7-digit local with a
        // separator, UK-style 11 digits from 0.
        {contact_kind::phone, R"((?:\+\d{1,3}[\s.-]?)?\(?\b\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b)"},
        {contact_kind::phone, R"(\+\d{1,3}(?:[\s.-]?\d){6,12}\b)"},
        {contact_kind::phone, R"(\b\d{3}[\s.-]\d{4}\b)"},
        {contact_kind::phone, R"(\b0\d{4}\s?\d{6}\b)"},
        // E-mail, also written out ("jo at gmail dot com").
        {contact_kind::email, R"(\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b)"},
        {contact_kind::email,
         R"(\b[a-z0-9._%+-]+\s*(?:\(at\)|\[at\]|\sat\s)\s*[a-z0-9-]+\s*(?:\.|\(dot\)|\[dot\]|\sdot\s)\s*(?:com|net|org|edu|co|io)\b)"},
        // Social handles.
        {contact_kind::handle,
         R"(\b(?:snap(?:chat)?|insta(?:gram)?|tik\s?tok|discord|twitter|kik|whatsapp|telegram|facebook|threads|bereal|roblox|steam|xbox|psn)(?:\s*[:=@-]\s*|\s+(?:is|me at|me on|name is|username is|handle is)\s+)@?[a-z0-9_.#][a-z0-9_.#]+)"},
        {contact_kind::handle, R"(\b(?:ig|sc|dc|tt)\s*(?::|@)\s*@?[a-z0-9_.][a-z0-9_.]+)"},
        {contact_kind::handle,
         R"(\b(?:add|follow|dm|hmu|message|text|find|friend)\s+me\s+on\s+(?:snap(?:chat)?|insta(?:gram)?|ig|tik\s?tok|discord|kik|whatsapp|telegram|facebook)\b)"},
        // Street addresses: a house number, up to three name words, a street word.
        {contact_kind::address,
         R"(\b\d{1,5}\s+(?:[a-z]+\s+){1,3}(?:street|st|avenue|ave|road|rd|lane|ln|boulevard|blvd|terrace|dr|parkway|pkwy|highway|hwy)\b\.?)"},
        // Links and bare domains.
        {contact_kind::link, R"(\b(?:https?://|www\.)[^\s]+)"},
        {contact_kind::link,
         R"(\b[a-z0-9-]{2,}(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|gg|me|ly|co|app|tv|xyz|info|link|site|us|uk|be|to)\b(?:/[^\s]*)?)"},
    };
    return patterns;
}

}  // namespace circles::moderation::detail
