#ifndef PIVLINK_SDBUS_VTABLE_H
#define PIVLINK_SDBUS_VTABLE_H

// Builds sd-bus object vtables at run time. Swift cannot build `sd_bus_vtable` (bitfields, a union, and
// the SD_BUS_VTABLE_* initializer macros), so this target does it and Swift only passes names, signatures
// and callbacks.
//
// The header names no sd-bus type: the CSystemd module already imports <systemd/sd-bus.h>, and declaring
// the same C types in a second module would make them ambiguous in Swift. Messages, errors and buses
// travel as untyped pointers and are cast back in vtable.c; the callbacks have sd-bus's own signatures
// (sd_bus_message_handler_t, sd_bus_property_get_t, sd_bus_property_set_t) with `void *` in place of
// the sd-bus pointer types.
//
// Every method and writable property is marked SD_BUS_VTABLE_UNPRIVILEGED: who may call what is the bus
// policy's job (dbus/*.conf), and without the flag sd-bus itself would demand CAP_SYS_ADMIN from every
// caller on the system bus.

#include <stddef.h>
#include <stdint.h>

typedef int (*pivlink_sdbus_method_handler)(void *message, void *userdata, void *ret_error);
typedef int (*pivlink_sdbus_property_getter)(void *bus, const char *path, const char *interface,
                                             const char *property, void *reply, void *userdata,
                                             void *ret_error);
typedef int (*pivlink_sdbus_property_setter)(void *bus, const char *path, const char *interface,
                                             const char *property, void *value, void *userdata,
                                             void *ret_error);

/// How a property announces changes (the SD_BUS_VTABLE_PROPERTY_* flags).
typedef enum {
    PIVLINK_SDBUS_PROPERTY_EMITS_CHANGE = 0,
    PIVLINK_SDBUS_PROPERTY_EMITS_INVALIDATION = 1,
    PIVLINK_SDBUS_PROPERTY_CONST = 2,
    PIVLINK_SDBUS_PROPERTY_SILENT = 3,
} pivlink_sdbus_property_change;

/// A vtable under construction, then finished; owns copies of every string it was given.
typedef struct pivlink_sdbus_vtable pivlink_sdbus_vtable;

/// A vtable with only its START entry, or NULL when out of memory.
pivlink_sdbus_vtable *pivlink_sdbus_vtable_new(void);

/// Adds a method. `names` holds the argument names, inputs then outputs, each NUL-terminated, in
/// `names_length` bytes (0 for none). Returns 0, or -ENOMEM.
int pivlink_sdbus_vtable_add_method(pivlink_sdbus_vtable *vtable, const char *member, const char *signature,
                                    const char *result, const char *names, size_t names_length,
                                    pivlink_sdbus_method_handler handler);

/// Adds a property; `setter` NULL makes it read-only. Returns 0, or -ENOMEM.
int pivlink_sdbus_vtable_add_property(pivlink_sdbus_vtable *vtable, const char *member, const char *signature,
                                      pivlink_sdbus_property_change change,
                                      pivlink_sdbus_property_getter getter, pivlink_sdbus_property_setter setter);

/// Declares a signal, for introspection. `names` as for methods. Returns 0, or -ENOMEM.
int pivlink_sdbus_vtable_add_signal(pivlink_sdbus_vtable *vtable, const char *member, const char *signature,
                                    const char *names, size_t names_length);

/// The finished table (an END entry is appended on the first call), to pass to sd_bus_add_object_vtable as
/// `const sd_bus_vtable *`; valid until pivlink_sdbus_vtable_free. NULL when out of memory.
const void *pivlink_sdbus_vtable_entries(pivlink_sdbus_vtable *vtable);

/// Frees the table and its strings. Only after every sd-bus slot using it has been freed.
void pivlink_sdbus_vtable_free(pivlink_sdbus_vtable *vtable);

#endif
