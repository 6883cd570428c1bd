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

/// Keys pressed while typing in a field: `Esc` leaves it, `Ctrl+Enter` submits.
/// Returns whether the key belonged to the field (the page must then ignore it).
pub fn in_field(e: &KeyboardEvent, submit: impl Fn()) -> bool {
    if !typing(e) {
        return false;
    }
    if e.key() == "Escape" {
        blur_active();
    } else if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) {
        e.prevent_default();
        blur_active();
        submit();
    }
    true
}

/// Time an item has been on screen, less the time its tab was hidden. Create it in the
/// component that shows the item; it stops listening when that component goes.
#[derive(Clone, Copy)]
pub struct TaskTimer {
    shown_at: leptos::prelude::StoredValue<Option<f64>>,
    hidden_since: leptos::prelude::StoredValue<Option<f64>>,
    hidden_ms: leptos::prelude::StoredValue<f64>,
}

impl TaskTimer {
    pub fn start() -> Self {
        use leptos::prelude::*;
        let timer = TaskTimer {
            shown_at: StoredValue::new(None),
            hidden_since: StoredValue::new(None),
            hidden_ms: StoredValue::new(0.0),
        };
        // Effects run only in the browser, once the item is on screen.
        Effect::new(move |_| timer.shown_at.set_value(Some(now_ms())));
        let visibility = window_event_listener_untyped("visibilitychange", move |_| {
            if document().hidden() {
                timer.hidden_since.set_value(Some(now_ms()));
            } else if let Some(since) = timer.hidden_since.get_value() {
                timer.hidden_ms.update_value(|h| *h += now_ms() - since);
                timer.hidden_since.set_value(None);
            }
        });
        on_cleanup(move || visibility.remove());
        timer
    }

    /// Milliseconds on task so far, or `None` before the item was shown.
    pub fn elapsed_ms(&self) -> Option<u64> {
        use leptos::prelude::GetValue;
        self.shown_at.get_value().map(|t| (now_ms() - t - self.hidden_ms.get_value()).max(0.0) as u64)
    }
}

/// A new item starts at its question: the page goes back to the top (the progress line and
/// the question) instead of staying where the last, long answer was scrolled to.
pub fn new_item_in_view() {
    leptos::prelude::window().scroll_to_with_x_and_y(0.0, 0.0);
}

/// Brings what a key just opened (the rating grid, the skip menu, the reasons) into view,
/// centred, when it is off screen below a long answer.
pub fn reveal(selector: &str) {
    #[cfg(feature = "hydrate")]
    {
        let Ok(Some(el)) = leptos::prelude::document().query_selector(selector) else { return };
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Center);
        el.scroll_into_view_with_scroll_into_view_options(&options);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = selector; // the server renders; it never scrolls
}
