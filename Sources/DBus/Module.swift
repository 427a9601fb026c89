// DBus module: a thin layer over sd-bus (under construction in this session).
