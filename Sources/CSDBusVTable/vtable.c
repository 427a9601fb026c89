#include "pivlink_sdbus_vtable.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

struct pivlink_sdbus_vtable {
    sd_bus_vtable *entries;
    size_t count;
    size_t capacity;
    bool finished;
    // Copies of the member names, signatures and argument names the entries point to: sd-bus keeps
    // pointers into the table for as long as the object is registered.
    char **strings;
    size_t string_count;
    size_t string_capacity;
};

static int grow(void **array, size_t *capacity, size_t needed, size_t element_size) {
    if (needed <= *capacity) {
        return 0;
    }
    size_t new_capacity = *capacity == 0 ? 8 : *capacity * 2;
    while (new_capacity < needed) {
        new_capacity *= 2;
    }
    void *grown = reallocarray(*array, new_capacity, element_size);
    if (grown == NULL) {
        return -ENOMEM;
    }
    *array = grown;
    *capacity = new_capacity;
    return 0;
}

// Copies `length` bytes (NUL bytes included) plus a terminating NUL into the table's string list.
static const char *keep(pivlink_sdbus_vtable *vtable, const char *text, size_t length) {
    if (grow((void **)&vtable->strings, &vtable->string_capacity, vtable->string_count + 1, sizeof(char *)) < 0) {
        return NULL;
    }
    char *copy = malloc(length + 1);
    if (copy == NULL) {
        return NULL;
    }
    memcpy(copy, text, length);
    copy[length] = '\0';
    vtable->strings[vtable->string_count++] = copy;
    return copy;
}

static const char *keep_string(pivlink_sdbus_vtable *vtable, const char *text) {
    return keep(vtable, text, strlen(text));
}

static int append(pivlink_sdbus_vtable *vtable, sd_bus_vtable entry) {
    if (vtable->finished) {
        return -EBUSY;
    }
    if (grow((void **)&vtable->entries, &vtable->capacity, vtable->count + 1, sizeof(sd_bus_vtable)) < 0) {
        return -ENOMEM;
    }
    vtable->entries[vtable->count++] = entry;
    return 0;
}

pivlink_sdbus_vtable *pivlink_sdbus_vtable_new(void) {
    pivlink_sdbus_vtable *vtable = calloc(1, sizeof(pivlink_sdbus_vtable));
    if (vtable == NULL) {
        return NULL;
    }
    if (append(vtable, (sd_bus_vtable)SD_BUS_VTABLE_START(0)) < 0) {
        free(vtable);
        return NULL;
    }
    return vtable;
}

int pivlink_sdbus_vtable_add_method(pivlink_sdbus_vtable *vtable, const char *member, const char *signature,
                                    const char *result, const char *names, size_t names_length,
                                    pivlink_sdbus_method_handler handler) {
    const char *kept_member = keep_string(vtable, member);
    const char *kept_signature = keep_string(vtable, signature);
    const char *kept_result = keep_string(vtable, result);
    const char *kept_names = keep(vtable, names_length > 0 ? names : "", names_length);
    if (kept_member == NULL || kept_signature == NULL || kept_result == NULL || kept_names == NULL) {
        return -ENOMEM;
    }
    sd_bus_vtable entry = SD_BUS_METHOD_WITH_OFFSET(kept_member, kept_signature, kept_result,
                                                    (sd_bus_message_handler_t)handler, 0,
                                                    SD_BUS_VTABLE_UNPRIVILEGED);
    entry.x.method.names = kept_names;
    return append(vtable, entry);
}

static uint64_t property_flags(pivlink_sdbus_property_change change) {
    switch (change) {
    case PIVLINK_SDBUS_PROPERTY_EMITS_CHANGE:
        return SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;
    case PIVLINK_SDBUS_PROPERTY_EMITS_INVALIDATION:
        return SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION;
    case PIVLINK_SDBUS_PROPERTY_CONST:
        return SD_BUS_VTABLE_PROPERTY_CONST;
    case PIVLINK_SDBUS_PROPERTY_SILENT:
        return 0;
    }
    return 0;
}

int pivlink_sdbus_vtable_add_property(pivlink_sdbus_vtable *vtable, const char *member, const char *signature,
                                      pivlink_sdbus_property_change change,
                                      pivlink_sdbus_property_getter getter, pivlink_sdbus_property_setter setter) {
    const char *kept_member = keep_string(vtable, member);
    const char *kept_signature = keep_string(vtable, signature);
    if (kept_member == NULL || kept_signature == NULL) {
        return -ENOMEM;
    }
    uint64_t flags = property_flags(change);
    if (setter == NULL) {
        return append(vtable, (sd_bus_vtable)SD_BUS_PROPERTY(kept_member, kept_signature,
                                                             (sd_bus_property_get_t)getter, 0, flags));
    }
    return append(vtable, (sd_bus_vtable)SD_BUS_WRITABLE_PROPERTY(
                              kept_member, kept_signature, (sd_bus_property_get_t)getter,
                              (sd_bus_property_set_t)setter, 0, flags | SD_BUS_VTABLE_UNPRIVILEGED));
}

int pivlink_sdbus_vtable_add_signal(pivlink_sdbus_vtable *vtable, const char *member, const char *signature,
                                    const char *names, size_t names_length) {
    const char *kept_member = keep_string(vtable, member);
    const char *kept_signature = keep_string(vtable, signature);
    const char *kept_names = keep(vtable, names_length > 0 ? names : "", names_length);
    if (kept_member == NULL || kept_signature == NULL || kept_names == NULL) {
        return -ENOMEM;
    }
    sd_bus_vtable entry = SD_BUS_SIGNAL(kept_member, kept_signature, 0);
    entry.x.signal.names = kept_names;
    return append(vtable, entry);
}

const void *pivlink_sdbus_vtable_entries(pivlink_sdbus_vtable *vtable) {
    if (!vtable->finished) {
        if (append(vtable, (sd_bus_vtable)SD_BUS_VTABLE_END) < 0) {
            return NULL;
        }
        vtable->finished = true;
    }
    return vtable->entries;
}

void pivlink_sdbus_vtable_free(pivlink_sdbus_vtable *vtable) {
    if (vtable == NULL) {
        return;
    }
    for (size_t i = 0; i < vtable->string_count; i++) {
        free(vtable->strings[i]);
    }
    free(vtable->strings);
    free(vtable->entries);
    free(vtable);
}
