// libbluetooth: the HCI socket, HCIGETCONNINFO and HCI Read RSSI for the connected link's RSSI
// (KernelLinkRSSISource), which bluetoothd 5.66 does not publish on D-Bus.
#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>
#include <bluetooth/hci_lib.h>
