// Link module: the pivlink link protocol (under construction in this session).
