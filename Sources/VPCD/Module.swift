// VPCD module: under construction in this session.
