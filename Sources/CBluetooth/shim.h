// libbluetooth: the HCI socket, HCIGETCONNINFO and HCI Read RSSI for the connected link's RSSI
// (KernelLinkRSSISource), which bluetoothd 5.66 does not publish on D-Bus.
#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>
#include <bluetooth/hci_lib.h>
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

/// The kernel's link type of LE connections (include/net/bluetooth/hci.h: "Low Energy links do not have defined
/// link type. Use invented one"), which libbluetooth's hci.h does not define.
static const uint8_t pivlink_le_link = 0x80;

/// The handle of the kernel's LE connection to `address` on the adapter `socket` is bound to (HCIGETCONNINFO on a
/// raw HCI socket): 0 with `*handle` set, or -1 with errno (ENOENT: no such connection). In C because
/// HCIGETCONNINFO is an _IOR macro and hci_conn_info_req ends in a flexible array, neither usable from Swift.
static inline int pivlink_hci_le_connection_handle(int socket, const bdaddr_t *address, uint16_t *handle) {
    union {
        struct hci_conn_info_req request;
        unsigned char bytes[sizeof(struct hci_conn_info_req) + sizeof(struct hci_conn_info)];
    } buffer;
    memset(&buffer, 0, sizeof buffer);
    bacpy(&buffer.request.bdaddr, address);
    buffer.request.type = pivlink_le_link;
    if (ioctl(socket, HCIGETCONNINFO, &buffer) < 0) {
        return -1;
    }
    *handle = buffer.request.conn_info[0].handle;
    return 0;
}
