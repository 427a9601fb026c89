// EventLoop module: under construction in this session.
