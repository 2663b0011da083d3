#include "asio_adapter.hpp"

#include <boost/asio/error.hpp>

namespace circles::cluster::detail {

namespace {
asio_adapter* from(void* p) { return static_cast<asio_adapter*>(p); }
}  // namespace

asio_adapter::asio_adapter(redisAsyncContext* ac, const strand& ex, detached_fn on_detached)
    : ac_(ac), fd_(ex), on_detached_(std::move(on_detached)) {}

bool asio_adapter::attach(redisAsyncContext* ac, const strand& ex, detached_fn on_detached) {
    if (ac->ev.data != nullptr) return false;  // something is attached already
    auto a = std::make_shared<asio_adapter>(ac, ex, std::move(on_detached));
    boost::system::error_code ec;
    a->fd_.assign(ac->c.fd, ec);
    if (ec) return false;
    a->self_ = a;
    ac->ev.data = a.get();
    ac->ev.addRead = &asio_adapter::add_read;
    ac->ev.delRead = &asio_adapter::del_read;
    ac->ev.addWrite = &asio_adapter::add_write;
    ac->ev.delWrite = &asio_adapter::del_write;
    ac->ev.cleanup = &asio_adapter::cleanup;
    return true;
}

void asio_adapter::add_read(void* p) {
    auto* a = from(p);
    a->want_read_ = true;
    a->arm(true);
}

void asio_adapter::del_read(void* p) { from(p)->want_read_ = false; }

void asio_adapter::add_write(void* p) {
    auto* a = from(p);
    a->want_write_ = true;
    a->arm(false);
}

void asio_adapter::del_write(void* p) { from(p)->want_write_ = false; }

void asio_adapter::cleanup(void* p) { from(p)->detach(); }

// One wait per direction at a time; a wait that completes after del* finds want_* false and
// does nothing. (stream_descriptor::cancel would cancel both directions, so it is not used.)
void asio_adapter::arm(bool read) {
    bool& waiting = read ? read_waiting_ : write_waiting_;
    if (!ac_ || waiting) return;
    waiting = true;
    fd_.async_wait(read ? boost::asio::posix::stream_descriptor::wait_read
                        : boost::asio::posix::stream_descriptor::wait_write,
                   [self = shared_from_this(), read](const boost::system::error_code& ec) {
                       self->on_ready(read, ec);
                   });
}

void asio_adapter::on_ready(bool read, const boost::system::error_code& ec) {
    (read ? read_waiting_ : write_waiting_) = false;
    if (!ac_ || ec == boost::asio::error::operation_aborted) return;
    // Any other error (the socket failed) is left to hiredis: its read or write fails and it
    // disconnects, which ends in cleanup().
    if (read) {
        if (!want_read_) return;
        redisAsyncHandleRead(ac_);
    } else {
        if (!want_write_) return;
        redisAsyncHandleWrite(ac_);
    }
    // The handler may have freed the context (cleanup cleared ac_). hiredis re-adds what it
    // still wants from inside the handler; this only covers a hook it did not call again.
    if (ac_ && want_read_) arm(true);
    if (ac_ && want_write_) arm(false);
}

void asio_adapter::detach() {
    if (!ac_) return;              // newer hiredis may call cleanup twice
    auto keep = std::move(self_);  // `this` lives until the end of this function
    const int err = ac_->err;
    std::string errstr = ac_->errstr ? ac_->errstr : "";
    // hiredis checks each hook for null before calling it: none can reach this adapter again.
    ac_->ev.addRead = ac_->ev.delRead = ac_->ev.addWrite = ac_->ev.delWrite = nullptr;
    ac_->ev.cleanup = nullptr;
    ac_->ev.data = nullptr;
    ac_ = nullptr;
    want_read_ = want_write_ = false;
    // hiredis closes the socket itself, right after cleanup: give it back without closing.
    // Pending waits complete with operation_aborted.
    boost::system::error_code ignored;
    fd_.cancel(ignored);
    fd_.release();
    if (on_detached_) {
        auto fn = std::move(on_detached_);
        fn(err, std::move(errstr));
    }
}

}  // namespace circles::cluster::detail
