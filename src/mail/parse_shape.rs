//! The size of a mail's MIME tree, checked against the caps before anything
//! in it is collected.
//!
//! A parent's mail has a handful of parts and a photo or two per child; a
//! mail over any cap is crafted or broken. Its pictures are not collected
//! (so none is decoded or checked), the workflow files it for a human, and
//! the sender gets one answer saying why.

use mail_parser::{Message, MessagePart, PartType};

use crate::domain::mail::OverLimit;

/// Most MIME parts in one mail, forwarded mails included.
pub const MAX_PARTS: usize = 500;
/// Most pictures in one mail: a family's children, a few tries each.
pub const MAX_IMAGES: usize = 20;
/// Deepest nesting of multiparts and forwarded mails.
pub const MAX_DEPTH: usize = 10;

/// Parts, pictures and the deepest nesting of a MIME tree.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shape {
    pub parts: usize,
    pub images: usize,
    pub depth: usize,
}

impl Shape {
    /// The first cap this shape is over, if any.
    pub fn over_limit(self) -> Option<OverLimit> {
        if self.parts > MAX_PARTS {
            Some(OverLimit::Parts {
                found: self.parts,
                max: MAX_PARTS,
            })
        } else if self.depth > MAX_DEPTH {
            Some(OverLimit::Depth {
                found: self.depth,
                max: MAX_DEPTH,
            })
        } else if self.images > MAX_IMAGES {
            Some(OverLimit::Images {
                found: self.images,
                max: MAX_IMAGES,
            })
        } else {
            None
        }
    }
}

/// Walks the tree from each message's root part, without recursion (a
/// crafted mail must not exhaust the stack), counting every part of every
/// forwarded message too. Counting stops early once the part cap is passed.
pub(super) fn measure(
    msg: &Message<'_>,
    is_image: impl Fn(&[u8], &MessagePart<'_>) -> bool,
) -> Shape {
    let mut shape = Shape::default();
    // (message, part id, depth)
    let mut stack: Vec<(&Message<'_>, u32, usize)> = vec![(msg, 0, 0)];
    while let Some((m, id, depth)) = stack.pop() {
        let Some(part) = m.parts.get(id as usize) else {
            continue;
        };
        shape.parts += 1;
        shape.depth = shape.depth.max(depth);
        if shape.parts > MAX_PARTS {
            break;
        }
        match &part.body {
            PartType::Multipart(children) => {
                // Children always come after their parent in mail-parser's
                // flat list; anything else would be a cycle.
                stack.extend(
                    children
                        .iter()
                        .filter(|&&c| c > id)
                        .map(|&c| (m, c, depth + 1)),
                );
            }
            PartType::Message(nested) => stack.push((nested, 0, depth + 1)),
            _ => {
                if is_image(m.raw_message.as_ref(), part) {
                    shape.images += 1;
                }
            }
        }
    }
    shape
}
