import { helper } from "./helper";

export interface Shape {
  name: string;
  area(): number;
}

export type Pair = [number, number];

enum Kind { Circle, Square = 4 }

namespace Geometry {
  export function unit(): number { return 1; }
}

export abstract class Base implements Shape {
  name = "base";
  abstract area(): number;
  describe(): string { return helper(this.name); }
}

export class Square extends Base {
  constructor(private side: number) { super(); }
  area(): number { return this.side * this.side; }
}

declare function external(x: number): void;

export const make = (side: number): Square => new Square(side);
