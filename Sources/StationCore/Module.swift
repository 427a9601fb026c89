// StationCore module: the station's pure cores (under construction in this session).
