/* Data regions without symbols (the stripped copy has no .symtab): tables of handlers in
   .data.rel.ro, each reached only through its own address, and an array walked from its base
   whose third element code also names on its own. Fake syscall numbers:
     670, 671  handlers in the table main indexes                      found
     672, 673  handlers in a table only unreachable code indexes        not found
     674..679  handlers of the array main walks from its base           found (all six, also
               the ones after the element an unreachable function takes the address of)
   The tables have different lengths so that they do not look like elements of one array. */
#include "sf_raw_syscall.h"

typedef void (*handler)(void);

static void used_0(void) { sf_raw_syscall(670); }
static void used_1(void) { sf_raw_syscall(671); }
static void unused_0(void) { sf_raw_syscall(672); }
static void unused_1(void) { sf_raw_syscall(673); }

static handler const used_table[5] = {used_0, used_1, used_0, used_1, used_0};
static handler const unused_table[6] = {unused_0, unused_1, unused_0, unused_1, unused_0, unused_1};

static void record_0(void) { sf_raw_syscall(674); }
static void record_1(void) { sf_raw_syscall(675); }
static void record_2(void) { sf_raw_syscall(676); }
static void record_3(void) { sf_raw_syscall(677); }
static void record_4(void) { sf_raw_syscall(678); }
static void record_5(void) { sf_raw_syscall(679); }

struct record {
  long id;
  handler run;
};
static const struct record records[] = {{1, record_0}, {2, record_1}, {3, record_2}, {4, record_3},
                                        {5, record_4}, {6, record_5}, {0, 0}};

/* Not called from anywhere: the analysis must not reach it, nor what only it uses. */
void sf_tables_unused(int i) { unused_table[i % 6](); }

__attribute__((noinline)) void sf_use_record(const struct record* r) { r->run(); }

/* Not called either; its `lea records+32` must not cut the array main walks. */
void sf_tables_third(void) { sf_use_record(&records[2]); }

__attribute__((noinline)) static void walk(const struct record* r) {
  for (; r->run != 0; ++r) r->run();
}

int main(int argc, char** argv) {
  (void)argv;
  used_table[argc % 5]();
  walk(records);
  return 0;
}
