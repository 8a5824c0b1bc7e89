//! A Rust fixture.
use std::fmt;

pub const LIMIT: usize = 8;
static COUNTER: u32 = 0;

pub struct Stack<T> {
    items: Vec<T>,
}

pub enum Shape {
    Circle(f64),
    Square { side: f64 },
}

pub trait Area {
    fn area(&self) -> f64;
    fn describe(&self) -> String {
        format!("{}", self.area())
    }
}

impl<T> Stack<T> {
    pub fn new() -> Self {
        Stack { items: Vec::new() }
    }
    pub fn push(&mut self, item: T) {
        self.items.push(item);
    }
}

impl Area for Shape {
    fn area(&self) -> f64 {
        match self {
            Shape::Circle(r) => 3.14 * r * r,
            Shape::Square { side } => side * side,
        }
    }
}

mod inner {
    pub fn helper() -> u32 {
        super::COUNTER
    }
}

macro_rules! square {
    ($x:expr) => {
        $x * $x
    };
}

type Pair = (i32, i32);

fn main() {
    let mut s = Stack::new();
    s.push(square!(2));
    println!("{}", inner::helper());
}
