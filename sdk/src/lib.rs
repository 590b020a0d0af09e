//! # mxr-sdk: write mail filters for the mxr relay
//!
//! A filter is a WebAssembly component that the relay runs at each SMTP stage of a
//! transaction, in a fresh sandbox every time. It declares one purpose (such as
//! `spam-filtering`) and the data categories it needs; the relay then hands it every
//! value in the form that purpose allows: in full, as a pseudonym, as a domain, with
//! personal data redacted, or not at all. The types say which: every accessor returns a
//! [`Shown`].
//!
//! ## A minimal filter
//!
//! ```no_run
//! use mxr_sdk::{Envelope, Filter, Message, Verdict};
//!
//! struct NoViagra;
//!
//! impl Filter for NoViagra {
//!     fn on_data(_env: &Envelope, msg: &Message) -> Verdict {
//!         match msg.subject().text() {
//!             Some(s) if s.to_lowercase().contains("viagra") => Verdict::reject(550, "5.7.1", "no thanks"),
//!             _ => Verdict::next(),
//!         }
//!     }
//! }
//!
//! mxr_sdk::export_filter!(NoViagra, purpose = "spam-filtering", categories = [Content], stages = [Data]);
//! ```
//!
//! Every hook you do not write answers "continue". The filter's name and version come
//! from its `Cargo.toml`.
//!
//! ## From `cargo new` to a `.wasm` file
//!
//! ```text
//! rustup target add wasm32-wasip2
//! cargo new --lib no-viagra && cd no-viagra
//! cargo add mxr-sdk            # or: mxr-sdk = { path = ".../sdk" }
//! # in Cargo.toml:  [lib] crate-type = ["cdylib"]
//! # put the filter above in src/lib.rs, then:
//! cargo build --release --target wasm32-wasip2
//! mxr plugin check target/wasm32-wasip2/release/no_viagra.wasm
//! mxr plugin run target/wasm32-wasip2/release/no_viagra.wasm --eml some.eml
//! ```
//!
//! `mxr plugin run` prints the verdict and the exact view of the message your purpose
//! was given. Drop the `.wasm` file into the relay's plugins folder to deploy it.
//!
//! ## A filter without WASI
//!
//! With std, a component imports a dozen WASI interfaces (stdio, environment, exit),
//! and every imported function costs time at each fresh instance. A `#![no_std]` filter
//! imports `mxr:filter` alone and starts about 40 % faster. Add `#![no_std]` and
//! `extern crate alloc;` at the top (`String`, `Vec` and `format!` live in `alloc`), and
//! [`no_std_runtime!`] beside [`export_filter!`]. A panic is logged through [`log`]
//! before the instance traps.
//!
//! ## The sandbox
//!
//! A filter has no files, network, environment or arguments; only clocks and random
//! numbers. Each call has a deadline and a memory cap, and nothing survives between
//! calls: globals start fresh for every message. Configuration comes from [`config`],
//! logging goes through [`log`].
#![deny(missing_docs)]
// The SDK itself needs only `core` and `alloc`, so a filter may be `#![no_std]` too
// (see "A filter without WASI" above and [`no_std_runtime!`]).
#![no_std]
extern crate alloc;

use alloc::string::String;

// The generated bindings name this crate by its public path, so that the export macro
// works from plugin crates; this alias makes the same path resolve in here.
extern crate self as mxr_sdk;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod bare;
pub mod bindings;
mod verdict;
mod view;

#[doc(hidden)]
pub use wit_bindgen as __wit_bindgen;
#[doc(hidden)]
pub extern crate alloc as __alloc;

/// The message's SPF, DKIM, DMARC and iprev results ([`authentication()`]).
pub use bindings::mxr::filter::authentication as auth;
/// The message's SPF, DKIM, DMARC and iprev results, at the data stage (`None` before
/// it, or when the grant withholds them). A filter that calls this imports
/// `mxr:filter/authentication`, which is how it asks for the `authentication`
/// category; one that never calls it is never given the results.
pub use bindings::mxr::filter::authentication::results as authentication;
pub use bindings::mxr::filter::data::{AccessError, Envelope, Message, form_of, granted};
pub use bindings::mxr::filter::host::Level;
pub use bindings::mxr::filter::types::{
    Action, Attachment, Category, Form, Grant, Header, MailAddress, Manifest, Reply, Shown, Stage, Verdict,
};

/// A mail filter: one method per SMTP stage, each defaulting to "continue".
///
/// The methods take no `self`: the relay starts a fresh instance for every call, so a
/// filter keeps no state between messages.
pub trait Filter {
    /// After the client connects. The envelope holds only the client IP and HELO.
    fn on_connect(_env: &Envelope) -> Verdict {
        Verdict::next()
    }
    /// After MAIL FROM.
    fn on_mail_from(_env: &Envelope) -> Verdict {
        Verdict::next()
    }
    /// For each RCPT TO; `rcpt` is the candidate recipient.
    fn on_rcpt(_env: &Envelope, _rcpt: Shown) -> Verdict {
        Verdict::next()
    }
    /// After DATA, with the whole message.
    fn on_data(_env: &Envelope, _msg: &Message) -> Verdict {
        Verdict::next()
    }
    /// Checks a settings text before the relay accepts it for a tenant: `Err` with a
    /// message for the person who wrote it refuses it. The default accepts any text.
    fn check_settings(_text: &str) -> Result<(), String> {
        Ok(())
    }
}

/// The operator's configuration text for this filter; empty when there is none.
pub fn config() -> String {
    bindings::mxr::filter::host::config()
}

/// Writes a line to the relay's log. Lines are capped in length and number, and
/// scrubbed of personal data before the operator sees them.
pub fn log(level: Level, text: &str) {
    bindings::mxr::filter::host::log(level, text)
}

/// Exports a [`Filter`] as the component's `hooks`, with its manifest.
///
/// ```ignore
/// mxr_sdk::export_filter!(MyFilter,
///     purpose = "spam-filtering",
///     categories = [Content, EmailAddress],
///     stages = [MailFrom, Data]);
/// ```
///
/// `categories` names [`Category`] variants, `stages` names [`Stage`] variants. The
/// name and version are the crate's own (`CARGO_PKG_NAME`, `CARGO_PKG_VERSION`).
#[macro_export]
macro_rules! export_filter {
    ($filter:ty, purpose = $purpose:expr, categories = [$($cat:ident),* $(,)?],
     stages = [$($stage:ident),* $(,)?] $(,)?) => {
        const _: () = {
            struct MxrExport;
            impl $crate::bindings::exports::mxr::filter::hooks::Guest for MxrExport {
                fn manifest() -> $crate::Manifest {
                    $crate::Manifest {
                        name: ::core::env!("CARGO_PKG_NAME").into(),
                        version: ::core::env!("CARGO_PKG_VERSION").into(),
                        purpose: ::core::convert::Into::into($purpose),
                        categories: $crate::__alloc::vec![$($crate::Category::$cat),*],
                        stages: $crate::__alloc::vec![$($crate::Stage::$stage),*],
                    }
                }
                fn on_connect(env: &$crate::Envelope) -> $crate::Verdict {
                    <$filter as $crate::Filter>::on_connect(env)
                }
                fn on_mail_from(env: &$crate::Envelope) -> $crate::Verdict {
                    <$filter as $crate::Filter>::on_mail_from(env)
                }
                fn on_rcpt(env: &$crate::Envelope, rcpt: $crate::Shown) -> $crate::Verdict {
                    <$filter as $crate::Filter>::on_rcpt(env, rcpt)
                }
                fn on_data(env: &$crate::Envelope, msg: &$crate::Message) -> $crate::Verdict {
                    <$filter as $crate::Filter>::on_data(env, msg)
                }
            }
            impl $crate::bindings::exports::mxr::filter::settings::Guest for MxrExport {
                fn check(text: $crate::__alloc::string::String) -> ::core::result::Result<(), $crate::__alloc::string::String> {
                    <$filter as $crate::Filter>::check_settings(&text)
                }
            }
            $crate::bindings::export!(MxrExport with_types_in $crate::bindings);
        };
    };
}

/// Gives a `#![no_std]` filter crate its heap, its `cabi_realloc` and its panic
/// handler, so its component imports no WASI. Put it once in the crate root, beside
/// [`export_filter!`]; the crate also needs `extern crate alloc;` for `String`,
/// `Vec` and `format!`. A filter that keeps std must not use it.
#[macro_export]
macro_rules! no_std_runtime {
    () => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            #[global_allocator]
            static HEAP: $crate::bare::Heap = $crate::bare::Heap::new();

            #[unsafe(no_mangle)]
            unsafe extern "C" fn cabi_realloc(old: *mut u8, old_len: usize, align: usize, new_len: usize) -> *mut u8 {
                // SAFETY: the host calls this with the canonical ABI's contract.
                unsafe { $crate::bare::cabi_realloc(&HEAP, old, old_len, align, new_len) }
            }

            // The one C routine `core` calls that wasm has no instruction for
            // (`memcpy`, `memmove` and `memset` become bulk-memory instructions).
            #[unsafe(no_mangle)]
            unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
                // SAFETY: the caller passes two readable ranges of `n` bytes.
                unsafe { $crate::bare::memcmp(a, b, n) }
            }
            #[unsafe(no_mangle)]
            unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
                // SAFETY: as for `memcmp`.
                unsafe { $crate::bare::memcmp(a, b, n) }
            }

            #[panic_handler]
            fn panic(info: &::core::panic::PanicInfo<'_>) -> ! {
                $crate::bare::panicked(info)
            }
        };
    };
}
