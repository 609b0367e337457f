#ifndef CSYSTEMD_SHIM_H
#define CSYSTEMD_SHIM_H
// Only the non-variadic entry points are used from Swift: sd_journal_sendv takes an iovec
// array and sd_notify a plain string, so no inline wrappers are needed here.
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <systemd/sd-daemon.h>
#endif
