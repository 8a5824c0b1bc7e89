int parse(char *buf, int len)
{
  return buf[len];
}
