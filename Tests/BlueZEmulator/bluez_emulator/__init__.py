"""A stand-in for bluetoothd 5.66 on a private D-Bus: two adapters joined by a virtual radio.

Modules, from the bottom up:
  uuids, errors, advertising_data  pure helpers (UUID forms, BlueZ error names and ATT codes, AD bytes)
  bus                              exported objects, properties, the ObjectManager at /
  radio                            the air: advertisements heard, links with MTU, delay, reordering, capture
  advertising                      LEAdvertisingManager1 (registering and reading advertisements)
  peripheral                       GattManager1 and the local GATT database built from an application
  central                          remote GATT objects and the GATT client on a link
  device                           Device1 objects (both ends of a link)
  adapter                          Adapter1 with discovery, GattManager1, LEAdvertisingManager1
  control                          org.pivlink.Emulator1, the test-control interface
  emulator                         wiring, bus name, shutdown
"""
