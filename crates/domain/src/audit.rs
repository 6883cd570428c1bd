//! The spot-audit vocabulary.
crate::named_enum! {
    /// How a sample is drawn: simply at random, or stratified (by reviewer: the items each
    /// reviewer decided, an item counting for each of its reviewers; by department; by task
    /// type, e.g. PromptCBLUE task names; by the reviewers' majority decision).
    pub enum Design("design") {
        Random = "random",
        Reviewer = "reviewer",
        Department = "department",
        Task = "task",
        Vote = "vote",
    }
}
