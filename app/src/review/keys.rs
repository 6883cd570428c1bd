//! Keyboard plumbing for the review screens. The handlers only ever run in the browser.
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{Element, HtmlElement, KeyboardEvent};

/// Whether the key was pressed while typing in a text field (keys then belong to the field).
pub fn typing(e: &KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .map(|el| matches!(el.tag_name().as_str(), "TEXTAREA" | "INPUT" | "SELECT"))
        .unwrap_or(false)
}

/// A key press without Ctrl/Alt/Meta that is not an auto-repeat.
pub fn plain(e: &KeyboardEvent) -> bool {
    !(e.ctrl_key() || e.alt_key() || e.meta_key() || e.repeat())
}

/// Leaves whatever text field has focus.
pub fn blur_active() {
    if let Some(el) = leptos::prelude::document().active_element().and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
        let _ = el.blur();
    }
}

/// Milliseconds since the epoch (browser clock).
pub fn now_ms() -> f64 {
    leptos::web_sys::js_sys::Date::now()
}

/// A digit key's value.
pub fn digit(key: &str) -> Option<u8> {
    key.parse::<u8>().ok().filter(|d| *d <= 9)
}
