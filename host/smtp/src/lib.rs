//! The inbound SMTP server: parsing (no I/O) in [`command`], [`address`], [`data`] and
//! [`reply`];
//! fair intake as pure bookkeeping in [`admission`] (per client address), [`budget`]
//! (buffered DATA bytes) and [`pace`] (DATA deadlines), their totals resizable on
//! reload through [`capacity`];
//! the conversation in [`session`], generic over its stream and over the [`Inbound`]
//! handle it talks to; the listener in [`server`]. The
//! STARTTLS acceptor comes from the `mxr-tls` crate through [`Inbound::tls`].
//!
//! This crate knows nothing of plugins, tenants, keys or the spool: a session sees the
//! relay only through [`Inbound`], so its state machine is tested in memory.

#![deny(missing_docs)]

pub mod address;
pub mod admission;
pub mod budget;
pub mod capacity;
pub mod command;
pub mod data;
pub mod inbound;
pub mod pace;
pub mod reply;
pub mod server;
pub mod session;
pub mod stream;

pub use inbound::{AuthFuture, Inbound, InboundTransaction, Intake, SessionLimits};
pub use reply::Reply;
