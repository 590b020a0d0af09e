//! A plugin's hook exports, found once when it loads. A call takes the one hook it
//! needs from its fresh instance by index: the generated `FilterPre::instantiate`
//! would look up and type-check all five exports of every instance, about a tenth of
//! a small plugin's call (issue 14). The types are checked once instead, on the
//! instance the manifest call makes at load: every instance of a component has the
//! same types, so the unchecked calls that follow are sound.

use super::bindings::{Filter, FilterPre, types as wit};
use super::data_api::{EnvelopeView, MessageView};
use super::loaded::StageCall;
use super::manifest::INTERFACE_VERSION;
use super::state::StoreState;
use wasmtime::Store;
use wasmtime::component::{Component, ComponentExportIndex, Instance, Resource, TypedFunc};

/// `on-connect` and `on-mail-from`.
type EnvelopeHook = TypedFunc<(Resource<EnvelopeView>,), (wit::Verdict,)>;
/// `on-rcpt`.
type RcptHook<'a> = TypedFunc<(Resource<EnvelopeView>, &'a wit::Shown), (wit::Verdict,)>;
/// `on-data`.
type DataHook = TypedFunc<(Resource<EnvelopeView>, Resource<MessageView>), (wit::Verdict,)>;

/// Where a component's hooks are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HookExports {
    on_connect: ComponentExportIndex,
    on_mail_from: ComponentExportIndex,
    on_rcpt: ComponentExportIndex,
    on_data: ComponentExportIndex,
}

impl HookExports {
    /// The hooks `component` exports; `None` when one is missing (which linking the
    /// generated bindings has refused already).
    pub(crate) fn find(component: &Component) -> Option<HookExports> {
        let (major, minor, patch) = INTERFACE_VERSION;
        let hooks = component.get_export_index(None, format!("mxr:filter/hooks@{major}.{minor}.{patch}"))?;
        let hook = |name: &str| component.get_export_index(Some(&hooks), name);
        Some(HookExports {
            on_connect: hook("on-connect")?,
            on_mail_from: hook("on-mail-from")?,
            on_rcpt: hook("on-rcpt")?,
            on_data: hook("on-data")?,
        })
    }

    /// Calls `manifest` in a fresh instance, checking on that instance that every hook
    /// has the type [`call`](Self::call) assumes.
    pub(crate) fn manifest(
        &self,
        pre: &FilterPre<StoreState>,
        store: &mut Store<StoreState>,
    ) -> wasmtime::Result<wit::Manifest> {
        let instance = pre.instance_pre().instantiate(&mut *store)?;
        instance.get_typed_func::<(Resource<EnvelopeView>,), (wit::Verdict,)>(&mut *store, self.on_connect)?;
        instance.get_typed_func::<(Resource<EnvelopeView>,), (wit::Verdict,)>(&mut *store, self.on_mail_from)?;
        instance.get_typed_func::<(Resource<EnvelopeView>, &wit::Shown), (wit::Verdict,)>(&mut *store, self.on_rcpt)?;
        instance.get_typed_func::<(Resource<EnvelopeView>, Resource<MessageView>), (wit::Verdict,)>(
            &mut *store,
            self.on_data,
        )?;
        Filter::new(&mut *store, &instance)?.mxr_filter_hooks().call_manifest(&mut *store)
    }

    /// Instantiates the plugin in `store` and calls the hook of `stage`.
    pub(crate) fn call(
        &self,
        pre: &FilterPre<StoreState>,
        store: &mut Store<StoreState>,
        stage: &StageCall,
    ) -> wasmtime::Result<wit::Verdict> {
        let instance = pre.instance_pre().instantiate(&mut *store)?;
        let env = store.data_mut().table().push(EnvelopeView)?;
        // SAFETY (each `new_unchecked`): `manifest` checked these types on an instance
        // of the same component when the plugin loaded.
        let (verdict,) = match stage {
            StageCall::Connect => unsafe { EnvelopeHook::new_unchecked(self.func(store, &instance, self.on_connect)?) }
                .call(&mut *store, (env,))?,
            StageCall::MailFrom => {
                unsafe { EnvelopeHook::new_unchecked(self.func(store, &instance, self.on_mail_from)?) }
                    .call(&mut *store, (env,))?
            }
            StageCall::Rcpt(rcpt) => {
                let shown = store.data().call.renderer().address(rcpt);
                let shown = store.data_mut().disclose_rcpt(shown);
                let hook = unsafe { RcptHook::new_unchecked(self.func(store, &instance, self.on_rcpt)?) };
                hook.call(&mut *store, (env, &shown))?
            }
            StageCall::Data => {
                let msg = store.data_mut().table().push(MessageView)?;
                unsafe { DataHook::new_unchecked(self.func(store, &instance, self.on_data)?) }
                    .call(&mut *store, (env, msg))?
            }
        };
        Ok(verdict)
    }

    /// The exported function at `index` of `instance`.
    fn func(
        &self,
        store: &mut Store<StoreState>,
        instance: &Instance,
        index: ComponentExportIndex,
    ) -> wasmtime::Result<wasmtime::component::Func> {
        instance.get_func(&mut *store, index).ok_or_else(|| wasmtime::format_err!("a hook export is missing"))
    }
}
