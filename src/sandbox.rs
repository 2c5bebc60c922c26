//! A faithful in-process Agencyhandy fake, for `demo` and for tests.
