#ifndef CSYSTEMD_SHIM_H
#define CSYSTEMD_SHIM_H
// Only the non-variadic entry points are used from Swift: sd_journal_sendv takes an iovec
// array, sd_notify a plain string, and D-Bus messages are built one value at a time
// (sd_bus_message_append_basic, open/close_container), so no inline wrappers are needed here.
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-bus.h>
#endif
