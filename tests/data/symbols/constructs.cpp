// Every C++ construct the outline must show.
#include <vector>
#include "widget.h"

#define WIDGET_VERSION 3
#define WIDGET_MAX(a, b) ((a) > (b) ? (a) : (b))

namespace gfx {
namespace detail::impl {

typedef unsigned long size_type;
using index_type = int;

enum Color { Red, Green = 2, Blue };
enum class Mode : char { Fast, Safe };

struct Point {
    int x;
    int y;
    int (*transform)(int, int);
};

template <typename T, int N = 4>
class Buffer : public Base<T> {
public:
    Buffer();
    explicit Buffer(const T& fill) : size_(N) { (void)fill; }
    virtual ~Buffer();
    T& operator[](int i) { return data_[i]; }
    bool operator==(const Buffer& other) const;
    operator bool() const;
    static Buffer make();
    template <typename U> U convert() const { return U(); }
private:
    T data_[N];
    int size_;
};

}  // namespace detail::impl

template <typename T, int N>
detail::impl::Buffer<T, N>::Buffer() : size_(0) {}

template <typename T, int N>
detail::impl::Buffer<T, N>::~Buffer() {}

template <typename T, int N>
bool detail::impl::Buffer<T, N>::operator==(const Buffer& other) const {
    return size_ == other.size_;
}

int area(const detail::impl::Point& p) { return p.x * p.y; }

}  // namespace gfx

class Widget {
public:
    Widget(int id);
    ~Widget();
    void draw() const;
    struct Style { int margin; };
private:
    int id_;
};

Widget::Widget(int id) : id_(id) {}
Widget::~Widget() {}
void Widget::draw() const { gfx::area(gfx::detail::impl::Point{1, 2}); helper(id_); }

std::ostream& operator<<(std::ostream& os, const Widget& w);
static int helper(int v);
static int helper(int v) { return v + WIDGET_MAX(v, 1); }

class Forward;
union Value { int i; double d; };
typedef void (*callback_t)(Widget*, void*);
int global_counter = 0;
extern int external_counter;

template <>
struct std::hash<Widget> {
    size_t operator()(const Widget& w) const noexcept { return 0; }
};
