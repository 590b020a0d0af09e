//! The inbound SMTP server: parsing (no I/O) in [`command`], [`data`] and [`reply`];
//! the conversation in [`session`], generic over its stream and over the [`Inbound`]
//! handle it talks to; the listener in [`server`]; the STARTTLS acceptor in [`tls`].
//!
//! This crate knows nothing of plugins, tenants, keys or the spool: a session sees the
//! relay only through [`Inbound`], so its state machine is tested in memory.

#![deny(missing_docs)]

pub mod command;
pub mod data;
pub mod inbound;
pub mod reply;
pub mod server;
pub mod session;
pub mod stream;
pub mod tls;

pub use inbound::{Inbound, InboundTransaction, SessionLimits};
pub use reply::Reply;
