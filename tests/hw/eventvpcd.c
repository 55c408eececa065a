/*
 * A test reader driver: Debian's vpcd (the virtual reader our emulated card connects to)
 * with a card-event thread, as a USB CCID reader has one.
 *
 * Why: pcscd asks a driver for TAG_IFD_POLLING_THREAD_WITH_TIMEOUT; libccid answers with a
 * function that blocks on the reader's interrupt endpoint, so pcscd learns of a card within
 * milliseconds. vpcd 0.8 has no such function, so pcscd 1.9.9 falls back to asking it every
 * 400 ms (PCSCLITE_STATUS_POLL_RATE, compiled in) and "card inserted" lags by up to that.
 * This driver forwards every IFDH call to vpcd unchanged and adds the event function; it
 * watches vpcd for a change every POLL_MS. The benchmark uses it to measure insert -> decoded
 * as a CCID reader would give it, and reports plain vpcd beside it.
 *
 * Built by tests/hw/rig.py:  gcc -shared -fPIC -I/usr/include/PCSC eventvpcd.c -ldl -lpthread
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <ifdhandler.h>

#ifndef VPCD_PATH
#define VPCD_PATH "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
#endif
#define POLL_MS 10
#define MAX_LUNS 64

static pthread_mutex_t vpcd_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t table_mutex = PTHREAD_MUTEX_INITIALIZER;
static void *vpcd;

static RESPONSECODE (*v_create)(DWORD, DWORD);
static RESPONSECODE (*v_create_by_name)(DWORD, LPSTR);
static RESPONSECODE (*v_close)(DWORD);
static RESPONSECODE (*v_get)(DWORD, DWORD, PDWORD, PUCHAR);
static RESPONSECODE (*v_set)(DWORD, DWORD, DWORD, PUCHAR);
static RESPONSECODE (*v_protocol)(DWORD, DWORD, UCHAR, UCHAR, UCHAR, UCHAR);
static RESPONSECODE (*v_power)(DWORD, DWORD, PUCHAR, PDWORD);
static RESPONSECODE (*v_transmit)(DWORD, SCARD_IO_HEADER, PUCHAR, DWORD, PUCHAR, PDWORD,
                                  PSCARD_IO_HEADER);
static RESPONSECODE (*v_control)(DWORD, DWORD, PUCHAR, DWORD, PUCHAR, DWORD, LPDWORD);
static RESPONSECODE (*v_presence)(DWORD);

/* What the event function last saw per Lun: pcscd reads the slot right after it returns. */
static struct { DWORD lun; int used; RESPONSECODE seen; } last[MAX_LUNS];

static int load_vpcd(void)
{
    if (vpcd)
        return 1;
    vpcd = dlopen(VPCD_PATH, RTLD_NOW | RTLD_LOCAL);
    if (!vpcd) {
        fprintf(stderr, "eventvpcd: %s\n", dlerror());
        return 0;
    }
#define BIND(var, name) *(void **)(&var) = dlsym(vpcd, name)
    BIND(v_create, "IFDHCreateChannel");
    BIND(v_create_by_name, "IFDHCreateChannelByName");
    BIND(v_close, "IFDHCloseChannel");
    BIND(v_get, "IFDHGetCapabilities");
    BIND(v_set, "IFDHSetCapabilities");
    BIND(v_protocol, "IFDHSetProtocolParameters");
    BIND(v_power, "IFDHPowerICC");
    BIND(v_transmit, "IFDHTransmitToICC");
    BIND(v_control, "IFDHControl");
    BIND(v_presence, "IFDHICCPresence");
#undef BIND
    return v_create_by_name && v_close && v_get && v_set && v_protocol && v_power
           && v_transmit && v_control && v_presence;
}

/* Every call into vpcd holds the mutex: the event thread and pcscd's own calls share
 * vpcd's one socket per slot. Cancellation is held off while it is held. */
#define FORWARD(call)                                             \
    do {                                                          \
        int old_state;                                            \
        RESPONSECODE rv;                                          \
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old_state); \
        pthread_mutex_lock(&vpcd_mutex);                          \
        rv = call;                                                \
        pthread_mutex_unlock(&vpcd_mutex);                        \
        pthread_setcancelstate(old_state, NULL);                  \
        return rv;                                                \
    } while (0)

static RESPONSECODE presence(DWORD Lun) { FORWARD(v_presence(Lun)); }

static int slot_of(DWORD Lun)
{
    int found = -1, free_slot = -1;
    pthread_mutex_lock(&table_mutex);
    for (int i = 0; i < MAX_LUNS && found < 0; i++) {
        if (last[i].used && last[i].lun == Lun)
            found = i;
        else if (!last[i].used && free_slot < 0)
            free_slot = i;
    }
    if (found < 0 && free_slot >= 0) {
        last[free_slot].used = 1;
        last[free_slot].lun = Lun;
        last[free_slot].seen = IFD_ICC_NOT_PRESENT;
        found = free_slot;
    }
    pthread_mutex_unlock(&table_mutex);
    return found;
}

/* pcscd's event thread: return when the card comes or goes, or when timeout_ms runs out. */
static RESPONSECODE wait_for_card_event(DWORD Lun, int timeout_ms)
{
    int i = slot_of(Lun);
    const struct timespec pause = {0, POLL_MS * 1000000L};
    int waited = 0;
    for (;;) {
        RESPONSECODE now = presence(Lun);
        if (now == IFD_NO_SUCH_DEVICE)
            return IFD_NO_SUCH_DEVICE;
        if (i < 0 || now != last[i].seen) {
            if (i >= 0)
                last[i].seen = now;
            return IFD_SUCCESS;
        }
        if (timeout_ms > 0 && waited >= timeout_ms)
            return IFD_SUCCESS;
        nanosleep(&pause, NULL); /* a cancellation point: pcscd may stop the thread here */
        waited += POLL_MS;
    }
}

RESPONSECODE IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName)
{
    if (!load_vpcd())
        return IFD_COMMUNICATION_ERROR;
    FORWARD(v_create_by_name(Lun, DeviceName));
}

RESPONSECODE IFDHCreateChannel(DWORD Lun, DWORD Channel)
{
    if (!load_vpcd() || !v_create)
        return IFD_COMMUNICATION_ERROR;
    FORWARD(v_create(Lun, Channel));
}

RESPONSECODE IFDHCloseChannel(DWORD Lun) { FORWARD(v_close(Lun)); }

RESPONSECODE IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value)
{
    if (Tag == TAG_IFD_POLLING_THREAD_WITH_TIMEOUT) {
        if (*Length < sizeof(void *))
            return IFD_ERROR_INSUFFICIENT_BUFFER;
        *Length = sizeof(void *);
        void *fn = (void *)wait_for_card_event;
        memcpy(Value, &fn, sizeof fn);
        return IFD_SUCCESS;
    }
    if (Tag == TAG_IFD_POLLING_THREAD_KILLABLE) {
        if (*Length < 1)
            return IFD_ERROR_INSUFFICIENT_BUFFER;
        *Length = 1;
        Value[0] = 1;
        return IFD_SUCCESS;
    }
    FORWARD(v_get(Lun, Tag, Length, Value));
}

RESPONSECODE IFDHSetCapabilities(DWORD Lun, DWORD Tag, DWORD Length, PUCHAR Value)
{
    FORWARD(v_set(Lun, Tag, Length, Value));
}

RESPONSECODE IFDHSetProtocolParameters(DWORD Lun, DWORD Protocol, UCHAR Flags, UCHAR PTS1,
                                       UCHAR PTS2, UCHAR PTS3)
{
    FORWARD(v_protocol(Lun, Protocol, Flags, PTS1, PTS2, PTS3));
}

RESPONSECODE IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr, PDWORD AtrLength)
{
    FORWARD(v_power(Lun, Action, Atr, AtrLength));
}

RESPONSECODE IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER SendPci, PUCHAR TxBuffer,
                               DWORD TxLength, PUCHAR RxBuffer, PDWORD RxLength,
                               PSCARD_IO_HEADER RecvPci)
{
    FORWARD(v_transmit(Lun, SendPci, TxBuffer, TxLength, RxBuffer, RxLength, RecvPci));
}

RESPONSECODE IFDHControl(DWORD Lun, DWORD dwControlCode, PUCHAR TxBuffer, DWORD TxLength,
                         PUCHAR RxBuffer, DWORD RxLength, LPDWORD pdwBytesReturned)
{
    FORWARD(v_control(Lun, dwControlCode, TxBuffer, TxLength, RxBuffer, RxLength,
                      pdwBytesReturned));
}

RESPONSECODE IFDHICCPresence(DWORD Lun) { return presence(Lun); }
