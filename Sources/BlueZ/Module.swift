// BlueZ module: typed BlueZ 5.66 API over DBus (under construction in this session).
