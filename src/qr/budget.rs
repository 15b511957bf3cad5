//! The work budget of one QR scan: rqrr cannot be cancelled, so the image it
//! reads charges every pixel it touches and unwinds when the budget is spent.

use std::cell::Cell;
use std::panic::resume_unwind;
use std::rc::Rc;

use image::{GenericImage, GenericImageView, GrayImage, Luma};

/// Unwind payload that abandons a scan which used up its work budget.
pub(super) struct OverBudget;

/// A grey image that rqrr reads through `GenericImage` and that charges every
/// pixel access, and every whole-image copy, to a shared budget.
///
/// Why: rqrr copies the whole image for every plausible triple of finder
/// pattern candidates. Noise or a fine texture (carpet, a screen's moiré)
/// yields thousands of them: a 4.6 MP noisy picture ran for over 15 minutes.
/// rqrr cannot be cancelled, so when the budget runs out we unwind with
/// [`OverBudget`] via `resume_unwind` (which skips the panic hook, so nothing
/// is logged) and `scan_pass` catches it. Needs the default panic=unwind.
pub(super) struct Budgeted {
    pub(super) img: GrayImage,
    pub(super) left: Rc<Cell<u64>>,
}

impl Budgeted {
    fn charge(&self, cost: u64) {
        match self.left.get().checked_sub(cost) {
            Some(left) => self.left.set(left),
            None => resume_unwind(Box::new(OverBudget)),
        }
    }
}

impl Clone for Budgeted {
    fn clone(&self) -> Self {
        self.charge(self.img.len() as u64);
        Budgeted {
            img: self.img.clone(),
            left: Rc::clone(&self.left),
        }
    }
}

impl GenericImageView for Budgeted {
    type Pixel = Luma<u8>;

    fn dimensions(&self) -> (u32, u32) {
        self.img.dimensions()
    }

    fn get_pixel(&self, x: u32, y: u32) -> Luma<u8> {
        self.charge(1);
        *self.img.get_pixel(x, y)
    }
}

impl GenericImage for Budgeted {
    fn get_pixel_mut(&mut self, x: u32, y: u32) -> &mut Luma<u8> {
        self.charge(1);
        self.img.get_pixel_mut(x, y)
    }

    fn put_pixel(&mut self, x: u32, y: u32, pixel: Luma<u8>) {
        self.charge(1);
        self.img.put_pixel(x, y, pixel);
    }

    fn blend_pixel(&mut self, x: u32, y: u32, pixel: Luma<u8>) {
        self.put_pixel(x, y, pixel);
    }
}
