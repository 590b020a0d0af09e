//! The inbound SMTP server: parsing (no I/O) in [`command`], [`data`] and [`reply`];
//! the conversation in [`session`], generic over its stream; the listener in [`server`].

pub mod command;
pub mod data;
pub mod reply;
pub mod server;
pub mod session;
pub mod stream;
