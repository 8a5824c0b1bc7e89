int decomposed;
int b;
