// CardDaemon module: under construction in this session.
