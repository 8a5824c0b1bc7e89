package shapes

import (
	"fmt"
	"math"
)

const Limit = 8

var counter int

type Shape interface {
	Area() float64
}

type Circle struct {
	Radius float64
}

type Meters float64

func (c *Circle) Area() float64 {
	return math.Pi * c.Radius * c.Radius
}

func (c Circle) String() string {
	return fmt.Sprintf("circle %v", c.Area())
}

func NewCircle(r float64) *Circle {
	local := 1
	_ = local
	return &Circle{Radius: r}
}
