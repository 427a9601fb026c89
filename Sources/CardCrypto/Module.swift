// CardCrypto module: under construction in this session.
