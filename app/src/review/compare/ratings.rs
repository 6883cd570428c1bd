//! Ratings per answer on the dataset's axes: a row per axis, a 1–5 scale per answer.
use super::form::{FormState, Mode, answer_label};
use crate::domain::judgment::{AxisSetting, RATING_MAX, RATING_MIN};
use crate::i18n::use_i18n;
use leptos::prelude::*;

#[component]
pub fn RatingGrid(axes: Vec<AxisSetting>, state: FormState) -> impl IntoView {
    let i18n = use_i18n();
    let n = state.answers;
    view! {
        <div class="card ratings">
            <h2>{move || i18n.t().ratings_title}</h2>
            <table>
                <thead>
                    <tr>
                        <th></th>
                        {(0..n).map(|i| view! { <th>{move || i18n.t().compare_answer} " " {answer_label(n, i)}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {axes.into_iter().enumerate().map(|(row, AxisSetting { axis, required })| view! {
                        <tr data-axis=axis.as_str()>
                            <th scope="row">{move || i18n.t().axis(axis)} {required.then_some(" *")}</th>
                            {(0..n).map(|answer| {
                                let cell = row * n + answer;
                                view! {
                                    <td class:focused=move || state.mode.get() == Mode::Rate(cell)>
                                        <div class="scale" role="radiogroup" data-answer=answer_label(n, answer)>
                                            {(RATING_MIN..=RATING_MAX).map(|v| view! {
                                                <button
                                                    type="button"
                                                    role="radio"
                                                    class:selected=move || state.ratings.get().get(&(answer, axis)) == Some(&v)
                                                    aria-checked=move || (state.ratings.get().get(&(answer, axis)) == Some(&v)).to_string()
                                                    on:click=move |_| state.rate(answer, axis, v)
                                                >{v}</button>
                                            }).collect_view()}
                                        </div>
                                    </td>
                                }
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
