/* Needs a library (libsfhidden.so, built from sf_library.c) that sits where the loader does
   not look: static analysis must warn about it and go on. */
void sf_lib_direct(void);

int main(void) {
  sf_lib_direct();
  return 0;
}
