//! HTTP routes
