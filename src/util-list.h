/*
 * util-list.h - intrusive doubly linked lists with a head and a tail, over any
 * node type (the window groups and the window and LRU lists of state.c).
 *
 * A node may sit in several lists at once, each through its own pair of link
 * fields, so the operations take the field names (PREV, NEXT) as well as the
 * list's head and tail lvalues, in the manner of BSD <sys/queue.h>. They are
 * macros because C has no other way to be generic over the field; every
 * argument is evaluated more than once, so pass plain lvalues.
 */
#ifndef DH_UTIL_LIST_H
#define DH_UTIL_LIST_H

/* Take node n out of the list; its own links are left as they were. */
#define DH_LIST_UNLINK(head, tail, n, PREV, NEXT)                                              \
    do {                                                                                       \
        if ((n)->PREV)                                                                         \
            (n)->PREV->NEXT = (n)->NEXT;                                                       \
        else                                                                                   \
            (head) = (n)->NEXT;                                                                \
        if ((n)->NEXT)                                                                         \
            (n)->NEXT->PREV = (n)->PREV;                                                       \
        else                                                                                   \
            (tail) = (n)->PREV;                                                                \
    } while (0)

/* Put node n right after `after`, a node of the list, or first when after is
   NULL. */
#define DH_LIST_INSERT_AFTER(head, tail, after, n, PREV, NEXT)                                 \
    do {                                                                                       \
        (n)->PREV = (after);                                                                   \
        (n)->NEXT = (after) ? (after)->NEXT : (head);                                          \
        if ((n)->NEXT)                                                                         \
            (n)->NEXT->PREV = (n);                                                             \
        else                                                                                   \
            (tail) = (n);                                                                      \
        if (after)                                                                             \
            (after)->NEXT = (n);                                                               \
        else                                                                                   \
            (head) = (n);                                                                      \
    } while (0)

#endif
