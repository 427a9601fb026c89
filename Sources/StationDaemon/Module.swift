// StationDaemon module: pivlink-station's shell (under construction in this session).
