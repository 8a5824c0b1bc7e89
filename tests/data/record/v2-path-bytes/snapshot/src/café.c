int composed;
int a;
