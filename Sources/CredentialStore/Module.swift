// CredentialStore module: under construction in this session.
