#pragma once
// hiredis's event-library hooks on Asio, in the shape of hiredis/adapters/libevent.h: hiredis
// calls addRead/delRead/addWrite/delWrite when it wants (or no longer wants) to know that its
// socket is readable/writable, and cleanup when the context is being freed. Each wanted event
// is one stream_descriptor::async_wait on the connection's strand, whose completion calls
// redisAsyncHandleRead/Write. Nothing here blocks: hiredis only reads or writes what the
// socket has ready.
//
// Asio's epoll reactor is edge-triggered, but every async_wait started with no wait pending
// re-arms the descriptor (EPOLL_CTL_MOD), which reports a socket that is already readable:
// bytes that arrived while no wait was pending are not lost.
//
// Lifetime: the context holds a reference to the adapter (self_) until cleanup; each pending
// wait holds another. cleanup runs inside hiredis before it closes the socket, so the
// descriptor is released (never closed) by Asio, and any pending wait completes with
// operation_aborted and finds the context gone.
#include <hiredis/async.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/strand.hpp>
#include <functional>
#include <memory>
#include <string>

namespace circles::cluster::detail {

using strand = boost::asio::strand<boost::asio::io_context::executor_type>;

class asio_adapter : public std::enable_shared_from_this<asio_adapter> {
  public:
    // Called from hiredis's cleanup hook, while the context is still valid: its error (0 and
    // empty when it was freed on purpose). Must not call back into hiredis.
    using detached_fn = std::function<void(int err, std::string errstr)>;

    // Installs the hooks on `ac`. False when the socket cannot be registered with Asio; the
    // caller then frees the context itself.
    static bool attach(redisAsyncContext* ac, const strand& ex, detached_fn on_detached);

    asio_adapter(redisAsyncContext* ac, const strand& ex, detached_fn on_detached);

  private:
    static void add_read(void* self);
    static void del_read(void* self);
    static void add_write(void* self);
    static void del_write(void* self);
    static void cleanup(void* self);

    void arm(bool read);
    void on_ready(bool read, const boost::system::error_code& ec);
    void detach();

    redisAsyncContext* ac_;
    boost::asio::posix::stream_descriptor fd_;
    detached_fn on_detached_;
    bool want_read_ = false;
    bool want_write_ = false;
    bool read_waiting_ = false;
    bool write_waiting_ = false;
    std::shared_ptr<asio_adapter> self_;  // the context's reference, dropped by cleanup
};

}  // namespace circles::cluster::detail
