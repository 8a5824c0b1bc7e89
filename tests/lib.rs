//! Test support for the integration-test binary lives in `it/support`; this library is empty on purpose.
