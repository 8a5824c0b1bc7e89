//! Test support for the integration-test binary lives in `it/support`. This library holds what the tests
//! share with the bench examples: [`collide`], words written to collide in tantivy's stock term table.

pub mod collide;
