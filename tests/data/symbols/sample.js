import { helper } from "./helper.js";

const LIMIT = 8;
let counter = 0;

function area(shape) {
  return shape.width * shape.height;
}

const double = (x) => x * 2;

class Shape {
  name = "shape";
  constructor(name) {
    this.name = name;
  }
  describe() {
    return helper(this.name) + area(this);
  }
}

export function* ids() {
  yield counter++;
}
