//! Markdown written by users (bios, lessons), rendered to HTML and sanitised.

/// Renders Markdown to HTML that is safe to embed: ammonia removes scripts, event handlers and
/// anything else outside its allow-list; links get rel="noopener noreferrer".
pub fn render(markdown: &str) -> String {
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    let parser = pulldown_cmark::Parser::new_ext(markdown, options);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_is_rendered_and_scripts_are_removed() {
        let html = render("**Medicare** specialist <script>alert(1)</script> [site](javascript:alert(2)) <img src=x onerror=alert(3)>");
        assert!(html.contains("<strong>Medicare</strong>"));
        assert!(!html.contains("<script") && !html.contains("javascript:") && !html.contains("onerror"));
    }
}
