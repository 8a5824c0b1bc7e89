using System;
using System.Collections.Generic;

namespace Demo.Shapes
{
    public delegate void Changed(object sender);

    public interface IShape
    {
        double Area();
    }

    public enum Kind { Circle, Square = 4 }

    public struct Point { public int X; public int Y; }

    public class Square : IShape
    {
        private readonly double side;
        public string Name { get; set; }

        public Square(double side) { this.side = side; }
        ~Square() { }

        public double Area() => side * side;

        public static Square Make(double s) { return new Square(s); }
    }
}
