//! A component built against a future major version of the interface: the host
//! must refuse it with a message naming both versions.
wit_bindgen::generate!({
    inline: "
        package mxr:filter@2.0.0;
        interface hooks {
            manifest: func() -> string;
        }
        world filter {
            export hooks;
        }
    ",
});
struct Future;
impl exports::mxr::filter::hooks::Guest for Future {
    fn manifest() -> String {
        "from the future".into()
    }
}
export!(Future);
