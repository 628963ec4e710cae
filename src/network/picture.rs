//! A broker's network as an SVG string for a page: the broker in the centre, direct connections
//! on an inner ring, brokers two steps away on an outer ring near the connections they are linked
//! to. No script; a `viewBox` and `width="100%"` so it fits a phone; `role="img"` with a title and
//! a description (the page lists the details beside it). Same input, same output.

#![warn(missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::f64::consts::TAU;
use std::fmt::{self, Write};
use std::iter::repeat_n;

/// A broker in the network other than the one at the centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The broker's id; unique within a picture (a repeated id keeps its first node).
    pub id: i64,
    /// The name shown beside the node, shortened if long; the full name is in its tooltip.
    pub label: String,
    /// 1 for a direct connection, 2 for a broker two steps away; other values are ignored.
    pub degree: u8,
}

/// Everything needed to draw one broker's network.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Picture {
    /// The name of the broker in the centre.
    pub centre_label: String,
    /// Direct connections and brokers two steps away, in any order.
    pub nodes: Vec<Node>,
    /// Undirected links between any two ids, the centre's included; unknown ids, repeats and
    /// self-links are ignored. Every direct connection is drawn linked to the centre anyway.
    pub edges: Vec<(i64, i64)>,
    /// The id of the broker in the centre.
    pub centre_id: i64,
}

/// The most direct connections drawn (the lowest ids); the description counts the rest.
pub const MAX_FIRST: usize = 24;
/// The most brokers two steps away drawn (linked to a drawn connection first, then by id).
pub const MAX_SECOND: usize = 48;
/// The smallest angle in radians between outer nodes: a full turn shared by [`MAX_SECOND`] nodes.
pub const MIN_GAP: f64 = TAU / MAX_SECOND as f64;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 560.0;
const CX: f64 = WIDTH / 2.0;
const CY: f64 = HEIGHT / 2.0;
const R_INNER: f64 = 120.0;
const R_OUTER: f64 = 230.0;
const FONT: f64 = 13.0;
const LABEL_CHARS: usize = 14;

/// How one kind of node is drawn: CSS class, radius, fill, stroke and what its tooltip adds.
struct Kind(&'static str, f64, &'static str, &'static str, &'static str);

const CENTRE: Kind = Kind("net-centre", 24.0, "#1e3a8a", "#ffffff", "");
const FIRST: Kind = Kind("net-first", 10.0, "#2563eb", "#ffffff", " — direct connection");
const SECOND: Kind = Kind("net-second", 7.0, "#ffffff", "#0f766e", " — two steps away");

type Point = (f64, f64);

/// Where everything goes, before it is written out. Angles are clockwise from the top, in radians.
struct Layout<'a> {
    first: Vec<(&'a Node, f64)>,
    second: Vec<(&'a Node, f64)>,
    lines: Vec<(Point, Point)>,
    more: usize,
}

/// The network as a standalone `<svg>` element. `title_id` names its `<title>` (the `<desc>` is
/// `{title_id}-desc`) and must be unique in the page.
pub fn svg(p: &Picture, title_id: &str) -> String {
    let (l, id, mut out) = (layout(p), escape(title_id), String::new());
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"100%\" role=\"img\" \
         aria-labelledby=\"{id} {id}-desc\" class=\"net-picture\" font-family=\"system-ui, sans-serif\" \
         font-size=\"{FONT}\">\n<title id=\"{id}\">Your broker network</title>\n<desc id=\"{id}-desc\">{}</desc>",
        escape(&describe(&l))
    );
    if !l.lines.is_empty() {
        out.push_str("<g class=\"net-edges\" stroke=\"#6b7280\" stroke-width=\"1\">\n");
        for &((x1, y1), (x2, y2)) in &l.lines {
            let (x1, y1, x2, y2) = (N(x1), N(y1), N(x2), N(y2));
            let _ = writeln!(
                out,
                "<line class=\"net-edge\" x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\"/>"
            );
        }
        out.push_str("</g>\n");
    }
    for (kind, radius, ring) in [(&SECOND, R_OUTER, &l.second), (&FIRST, R_INNER, &l.first)] {
        for &(n, a) in ring {
            node(&mut out, kind, &n.label, at(radius, a), Some(a));
        }
    }
    node(&mut out, &CENTRE, &p.centre_label, (CX, CY), None);
    out + "</svg>"
}

/// One node in its own group: tooltip, circle and label. Ring labels sit outside the node,
/// anchored so that on the left they run outwards (away from the ring) rather than across it.
fn node(out: &mut String, kind: &Kind, label: &str, (x, y): Point, angle: Option<f64>) {
    let &Kind(class, r, fill, stroke, role) = kind;
    let title = escape(&format!("{}{role}", label.trim()));
    let (lx, ly, anchor, weight) = match angle {
        Some(a) => {
            let (s, c) = a.sin_cos();
            // Right of centre the text starts at the node, left of it the text ends there.
            let anchor = ["end", "middle", "start"][usize::from(s >= -0.3) + usize::from(s > 0.3)];
            let d = r + 5.0;
            (x + d * s, y - d * c + FONT * 0.35 * (1.0 - c), anchor, "normal")
        }
        None => (x, y + r + FONT + 3.0, "middle", "bold"),
    };
    let (x, y, r, lx, ly, text) = (N(x), N(y), N(r), N(lx), N(ly), escape(&short(label)));
    let _ = writeln!(
        out,
        "<g class=\"{class}\"><title>{title}</title><circle cx=\"{x}\" cy=\"{y}\" r=\"{r}\" fill=\"{fill}\" \
         stroke=\"{stroke}\" stroke-width=\"2\"/><text class=\"net-label\" x=\"{lx}\" y=\"{ly}\" \
         text-anchor=\"{anchor}\" font-weight=\"{weight}\" fill=\"#111827\" stroke=\"#ffffff\" stroke-width=\"3\" \
         stroke-linejoin=\"round\" paint-order=\"stroke\">{text}</text></g>"
    );
}

/// The sentence in `<desc>`.
fn describe(l: &Layout) -> String {
    let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let first = plural(l.first.len(), "direct connection");
    let second = plural(l.second.len(), "broker");
    let text = match (l.first.len(), l.second.len()) {
        (0, 0) => return "You have no active connections yet.".to_string(),
        (_, 0) => format!("You and {first}"),
        _ => format!("You, {first} and {second} two steps away"),
    };
    match l.more {
        0 => format!("{text}."),
        more => format!("{text}, and {more} more not drawn."),
    }
}

/// A point `radius` from the centre at `angle` clockwise from the top.
fn at(radius: f64, angle: f64) -> Point {
    (CX + radius * angle.sin(), CY - radius * angle.cos())
}

/// Which nodes are drawn, where, and the lines between them.
fn layout(p: &Picture) -> Layout<'_> {
    let mut seen = BTreeSet::new();
    let keep = |n: &&Node| n.id != p.centre_id && matches!(n.degree, 1 | 2) && seen.insert(n.id);
    let (mut firsts, mut seconds): (Vec<_>, Vec<_>) = p.nodes.iter().filter(keep).partition(|n| n.degree == 1);
    firsts.sort_by_key(|n| n.id);
    let mut more = firsts.len().saturating_sub(MAX_FIRST);
    firsts.truncate(MAX_FIRST);
    let step = TAU / firsts.len().max(1) as f64;
    let first: Vec<(&Node, f64)> = firsts.iter().enumerate().map(|(i, &n)| (n, i as f64 * step)).collect();
    let first_angle: BTreeMap<i64, f64> = first.iter().map(|&(n, a)| (n.id, a)).collect();
    // Each link once, smaller id first; self-links are skipped where they could matter.
    let edges: BTreeSet<(i64, i64)> = p.edges.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
    let mut near: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for (from, to) in edges.iter().flat_map(|&(a, b)| [(a, b), (b, a)]) {
        if let Some(&t) = first_angle.get(&to).filter(|_| from != to) {
            near.entry(from).or_default().push(t);
        }
    }
    seconds.sort_by_key(|n| (!near.contains_key(&n.id), n.id));
    more += seconds.len().saturating_sub(MAX_SECOND);
    seconds.truncate(MAX_SECOND);
    // Those whose links were all left out wait at the bottom.
    let target = |n: &Node| near.get(&n.id).map_or(TAU / 2.0, |a| mean_angle(a));
    let mut second: Vec<(&Node, f64)> = seconds.iter().map(|&n| (n, target(n))).collect();
    second.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.id.cmp(&b.0.id)));
    let angles = spread(&second.iter().map(|s| s.1).collect::<Vec<_>>(), MIN_GAP);
    second.iter_mut().zip(angles).for_each(|(s, a)| s.1 = a);
    let mut placed: BTreeMap<_, _> = first.iter().map(|&(n, a)| (n.id, (at(R_INNER, a), true))).collect();
    placed.extend(second.iter().map(|&(n, a)| (n.id, (at(R_OUTER, a), false))));
    let mut lines: Vec<(Point, Point)> = first.iter().map(|&(_, a)| ((CX, CY), at(R_INNER, a))).collect();
    lines.extend(edges.iter().filter_map(|(a, b)| match (placed.get(a), placed.get(b)) {
        (Some(&(pa, fa)), Some(&(pb, fb))) if a != b && (fa || fb) => Some((pa, pb)),
        _ => None,
    }));
    Layout {
        first,
        second,
        lines,
        more,
    }
}

/// The mean direction of some angles; if they cancel out, the smallest of them.
fn mean_angle(angles: &[f64]) -> f64 {
    let (s, c) = angles.iter().fold((0.0, 0.0), |(s, c), a| (s + a.sin(), c + a.cos()));
    if s.hypot(c) < 1e-9 {
        angles.iter().copied().fold(f64::INFINITY, f64::min)
    } else {
        s.atan2(c).rem_euclid(TAU)
    }
}

/// Angles for targets sorted in `[0, TAU)`, in that order, at least `gap` apart around the circle
/// and nearest their targets (least squares): cut the circle at its widest empty arc, then on that
/// line pool adjacent violators (isotonic regression). If that does not close around the circle,
/// space them all evenly.
fn spread(targets: &[f64], gap: f64) -> Vec<f64> {
    let n = targets.len();
    if n < 2 {
        return targets.to_vec();
    }
    let wrap = |k: usize| if k < n { 0.0 } else { TAU };
    let after = |i: usize| targets[(i + 1) % n] + wrap(i + 1) - targets[i];
    // The last of equally wide arcs, so targets that are all equal are not cut apart.
    let cut = (0..n).max_by(|&i, &j| after(i).total_cmp(&after(j))).unwrap_or(0);
    let start = (cut + 1) % n;
    let t: Vec<f64> = (start..start + n).map(|k| targets[k % n] + wrap(k)).collect();
    let mut blocks: Vec<(f64, usize)> = Vec::new(); // (sum, count) of pooled q = t - k * gap
    let mean = |(s, c): (f64, usize)| s / c as f64;
    for (k, tk) in t.iter().enumerate() {
        blocks.push((tk - k as f64 * gap, 1));
        while matches!(blocks[..], [.., x, y] if mean(x) > mean(y)) {
            let (s, c) = blocks.pop().expect("two blocks");
            let last = blocks.last_mut().expect("two blocks");
            *last = (last.0 + s, last.1 + c);
        }
    }
    let mut p: Vec<f64> = blocks.iter().flat_map(|&(s, c)| repeat_n(s / c as f64, c)).collect();
    p.iter_mut().enumerate().for_each(|(k, pk)| *pk += k as f64 * gap);
    if p[n - 1] - p[0] > TAU - gap + 1e-12 {
        let even = TAU / n as f64;
        let base = t.iter().enumerate().map(|(k, tk)| tk - k as f64 * even).sum::<f64>() / n as f64;
        p = (0..n).map(|k| base + k as f64 * even).collect();
    }
    (0..n).map(|i| p[(i + n - start) % n].rem_euclid(TAU)).collect()
}

/// A label cut to [`LABEL_CHARS`] characters, the last an ellipsis.
fn short(label: &str) -> String {
    let label = label.trim();
    let head: String = label.chars().take(LABEL_CHARS - 1).collect();
    match label.chars().nth(LABEL_CHARS) {
        Some(_) => format!("{}…", head.trim_end()),
        None => label.to_string(),
    }
}

/// Text made safe for XML content and attribute values; characters XML forbids are dropped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let allowed =
        |c: &char| matches!(c, '\t' | '\n' | '\r') || !(c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}'));
    for ch in s.chars().filter(allowed) {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate rounded to one decimal, without a trailing `.0` or a negative zero.
struct N(f64);

impl fmt::Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = (self.0 * 10.0).round() / 10.0;
        write!(f, "{}", if r == 0.0 { 0.0 } else { r })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn broker(id: i64, label: &str, degree: u8) -> Node {
        Node {
            id,
            label: label.into(),
            degree,
        }
    }

    /// Direct connections (all linked to the centre, id 0) and brokers two steps away with links.
    fn pic(first: &[i64], second: &[(i64, Vec<i64>)]) -> Picture {
        let mut nodes: Vec<Node> = first.iter().map(|&id| broker(id, &format!("B{id}"), 1)).collect();
        let mut edges: Vec<(i64, i64)> = first.iter().map(|&id| (0, id)).collect();
        for (id, links) in second {
            nodes.push(broker(*id, &format!("B{id}"), 2));
            edges.extend(links.iter().map(|&l| (l, *id)));
        }
        Picture {
            centre_label: "You".into(),
            nodes,
            edges,
            centre_id: 0,
        }
    }

    fn count(s: &str, pat: &str) -> usize {
        s.matches(pat).count()
    }

    fn desc(s: &str) -> &str {
        let i = s.find("-desc\">").expect("desc") + 7;
        &s[i..i + s[i..].find("</desc>").expect("end")]
    }

    fn angle_of(l: &Layout, id: i64) -> f64 {
        l.second.iter().find(|s| s.0.id == id).expect("placed").1
    }

    /// One `<svg>`, every element opened as often as closed, `<` and `>` paired, `&` an entity.
    fn assert_well_formed(s: &str) {
        assert_eq!((count(s, "<svg"), count(s, "</svg>")), (1, 1));
        for tag in ["g", "title", "desc", "text"] {
            let opened = count(s, &format!("<{tag}>")) + count(s, &format!("<{tag} "));
            assert_eq!(opened, count(s, &format!("</{tag}>")), "<{tag}>");
        }
        assert_eq!(count(s, "<"), count(s, ">"));
        let bare = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
            .iter()
            .fold(s.to_string(), |t, e| t.replace(e, ""));
        assert!(!bare.contains('&'), "stray &");
    }

    #[test]
    fn escapes_a_malicious_label() {
        let mut p = pic(&[1], &[]);
        p.nodes[0].label = "<script>alert(\"x\")</script> & 'y'\u{0}".into();
        p.centre_label = "Tom & \"Jerry\"".into();
        let out = svg(&p, "n\"><script>");
        assert!(!out.contains("<script") && !out.contains('\u{0}'));
        assert!(out.contains(">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;y&apos; — direct"));
        assert!(out.contains(">&lt;script&gt;alert…</text>"), "cut before escaping");
        assert!(out.contains(">Tom &amp; &quot;Jerry&quot;</text>"));
        assert!(out.contains("aria-labelledby=\"n&quot;&gt;&lt;script&gt; n&quot;"));
        assert_well_formed(&out);
    }

    #[test]
    fn same_input_gives_same_output_whatever_the_order() {
        let p = pic(&[3, 1, 2], &[(10, vec![1]), (11, vec![2, 3]), (12, vec![1])]);
        let mut q = p.clone();
        q.nodes.reverse();
        q.edges = p.edges.iter().rev().map(|&(a, b)| (b, a)).collect();
        assert_eq!(svg(&p, "a"), svg(&q, "a"));
    }

    #[test]
    fn empty_network_is_just_the_centre() {
        let mut p = pic(&[], &[]);
        p.nodes = vec![broker(0, "Me again", 1), broker(7, "Odd", 3)];
        p.edges = vec![(0, 5), (5, 6)];
        let out = svg(&p, "t");
        assert_eq!(desc(&out), "You have no active connections yet.");
        assert_eq!((count(&out, "<g"), count(&out, "<line")), (1, 0));
        assert!(out.contains("class=\"net-centre\"") && out.contains(">You</text>"));
        assert!(!out.contains("Odd") && !out.contains("Me again"));
        assert_well_formed(&out);
    }

    #[test]
    fn caps_leave_nodes_out_and_say_how_many() {
        let second: Vec<(i64, Vec<i64>)> = (101..=160).map(|id| (id, vec![(id - 101) % 30 + 1])).collect();
        let out = svg(&pic(&(1..=30).collect::<Vec<_>>(), &second), "t");
        assert_eq!(count(&out, "class=\"net-first\""), MAX_FIRST);
        assert_eq!(count(&out, "class=\"net-second\""), MAX_SECOND);
        let want = "You, 24 direct connections and 48 brokers two steps away, and 18 more not drawn.";
        assert_eq!(desc(&out), want);
        // B125 is linked only to the dropped B25, so it goes before the higher, linked B154.
        assert!(!out.contains(">B125<") && out.contains(">B154<") && !out.contains(">B30<"));
        assert_well_formed(&out);
    }

    #[test]
    fn second_degree_sits_beside_its_neighbours() {
        let p = pic(&[10, 20, 30, 40], &[(50, vec![20]), (60, vec![30, 40])]);
        let l = layout(&p);
        let angles: Vec<f64> = l.first.iter().map(|s| s.1).collect();
        assert_eq!(angles, [0.0, TAU / 4.0, TAU / 2.0, 3.0 * TAU / 4.0]);
        assert!((angle_of(&l, 50) - TAU / 4.0).abs() < 1e-9, "right, beside B20");
        assert!((angle_of(&l, 60) - 5.0 * TAU / 8.0).abs() < 1e-9, "between B30 and B40");
        let ((x50, y50), (x60, y60)) = (at(R_OUTER, angle_of(&l, 50)), at(R_OUTER, angle_of(&l, 60)));
        assert!(x50 > CX + R_OUTER - 0.1 && (y50 - CY).abs() < 1e-6 && x60 < CX && y60 > CY);
        let out = svg(&p, "t");
        assert!(out.contains(&format!("<circle cx=\"{}\" cy=\"{}\" r=\"7\"", N(x50), N(y50))));
        assert!(out.contains("text-anchor=\"end\""), "left labels run outwards");
    }

    #[test]
    fn outer_nodes_keep_the_minimum_gap() {
        let p = pic(&[1], &(100..148).map(|id| (id, vec![1])).collect::<Vec<_>>());
        let mut a: Vec<f64> = layout(&p).second.iter().map(|s| s.1).collect();
        a.sort_by(f64::total_cmp);
        let min_gap = a.windows(2).map(|w| w[1] - w[0]).fold(a[0] + TAU - a[47], f64::min);
        assert!(a.len() == 48 && min_gap >= MIN_GAP - 1e-9, "{min_gap} < {MIN_GAP}");
        // A few tied to one neighbour spread evenly around it, in id order, across the top too.
        let p = pic(&[1, 2], &[(7, vec![2]), (8, vec![2]), (9, vec![2])]);
        let got: Vec<f64> = layout(&p).second.iter().map(|s| s.1).collect();
        let want = [TAU / 2.0 - MIN_GAP, TAU / 2.0, TAU / 2.0 + MIN_GAP];
        assert!(got.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-9), "{got:?}");
        let p = pic(&[1], &[(7, vec![1]), (8, vec![1])]);
        let got: Vec<f64> = layout(&p).second.iter().map(|s| s.1).collect();
        assert!((got[0] - (TAU - MIN_GAP / 2.0)).abs() < 1e-9 && (got[1] - MIN_GAP / 2.0).abs() < 1e-9);
    }

    #[test]
    fn edges_to_dropped_or_unknown_nodes_are_omitted() {
        let mut p = pic(&(1..=25).collect::<Vec<_>>(), &[(100, vec![25]), (101, vec![1])]);
        p.edges
            .extend([(25, 1), (1, 2), (2, 1), (1, 999), (3, 3), (0, 1), (0, 100), (100, 101)]);
        let out = svg(&p, "t");
        // 24 spokes, 1–2 once, 1–101; nothing to B25 or 999, no centre–B100 or B100–B101.
        assert_eq!(count(&out, "<line"), 26);
        assert!(!out.contains(">B25<") && out.contains(">B100<"));
        assert_well_formed(&out);
    }

    #[test]
    fn output_is_well_formed_responsive_and_labelled() {
        let mut p = pic(&[1, 2, 3, 4, 5], &[(6, vec![1]), (7, vec![2, 3])]);
        p.nodes[0].label = " Alexandra Montgomery-Smith".into();
        p.nodes.push(broker(1, "Impostor", 2));
        let out = svg(&p, "net-1");
        assert_well_formed(&out);
        let root = &out[..out.find('>').expect("root")];
        assert!(root.contains("viewBox=\"0 0 720 560\"") && root.contains("width=\"100%\""));
        assert!(!root.contains("height=") && root.contains("role=\"img\" aria-labelledby=\"net-1 net-1-desc\""));
        assert!(out.contains("<title id=\"net-1\">Your broker network</title>"));
        assert_eq!(desc(&out), "You, 5 direct connections and 2 brokers two steps away.");
        assert!(out.contains("<title>B7 — two steps away</title>"));
        assert!(
            out.contains(">Alexandra Mon…</text>") && !out.contains("Impostor"),
            "cut; first of an id kept"
        );
        assert!(out.contains("<title>Alexandra Montgomery-Smith — direct connection</title>"));
        assert_eq!(count(&out, "class=\"net-edge\""), 5 + 3);
        assert_eq!(desc(&svg(&pic(&[1], &[]), "x")), "You and 1 direct connection.");
        let rounded = [12.345, -0.04, 5.0, 359.96].map(|v| N(v).to_string());
        assert_eq!(rounded, ["12.3", "0", "5", "360"]);
    }
}
