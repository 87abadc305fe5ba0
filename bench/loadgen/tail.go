package main

// Tail mode (-mode tail): holds many TailRobotPartLogs streams open and pushes
// paced Log calls into the tailed parts, so a benchmark can measure the server
// under that load without a Python client eating the CPU the server needs.
//
// Input (stdin), u32 little-endian as in push mode:
//
//	u32(len(owner token)) owner-token
//	u32(tails) { u32(len(request)) TailRobotPartLogsRequest }...
//	u32(machines) { u32(len(token)) token u32(count) { u32(len(request)) LogRequest }... }...
//
// Each machine sends its requests round-robin, -calls-per-second of them per
// second (phases spread over the first interval; 0: no Log calls at all). Once every tail has its
// response headers (it is subscribed) and the pushers have run for -warmup,
// the counters restart and "ready" is printed. Closing stdin stops the run;
// the last line printed is
// "<responses> <bytes> <seconds> <failed tails> <entries> <p50 ms> <p99 ms>".
//
// Latency: every occurrence of stampPlaceholder (16 bytes, as in an entry's
// `stack`) in a Log request is overwritten with the send time (ns since this
// process started, 16 hex digits) just before the call. A tail response's
// latency is that of its first, oldest entry, counted once per entry; p50/p99
// are over the entries received after "ready" ("NaN" when none was stamped).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

const tailMethod = "/viam.app.v1.AppService/TailRobotPartLogs"

type tailCounts struct {
	responses, bytes, failed atomic.Int64
	firstFailure             atomic.Value // string
	measuring                atomic.Bool  // latencies are kept only between "ready" and the end
}

// stampPlaceholder marks where the pushers write the send time.
var stampPlaceholder = []byte("@@@@@@@@@@@@@@@@")

var processStart = time.Now()

// latency is one tail response: its first entry's ingest-to-delivery time, and how many entries it carried.
type latency struct {
	nanos   int64
	entries int64
}

func readTailInput(r *bufio.Reader) (string, [][]byte, []machine, error) {
	owner, err := readChunk(r)
	if err != nil {
		return "", nil, nil, err
	}
	tails, err := readChunks(r)
	if err != nil {
		return "", nil, nil, err
	}
	count, err := readU32(r)
	if err != nil {
		return "", nil, nil, err
	}
	machines := make([]machine, count)
	for i := range machines {
		if machines[i], err = readMachine(r); err != nil {
			return "", nil, nil, err
		}
	}
	return string(owner), tails, machines, nil
}

// tail opens one stream; subscribed is signalled once its headers arrive.
func tail(ctx context.Context, conn *grpc.ClientConn, owner string, request []byte, counts *tailCounts, subscribed *sync.WaitGroup, latencies *[]latency) {
	once := sync.OnceFunc(subscribed.Done)
	defer once()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+owner)
	fail := func(err error) {
		if ctx.Err() != nil || status.Code(err) == codes.Canceled {
			return
		}
		counts.failed.Add(1)
		counts.firstFailure.CompareAndSwap(nil, err.Error())
	}
	stream, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, tailMethod, grpc.ForceCodec(rawCodec{}))
	if err != nil {
		fail(err)
		return
	}
	if err := stream.SendMsg(&request); err != nil {
		fail(err)
		return
	}
	if err := stream.CloseSend(); err != nil {
		fail(err)
		return
	}
	if _, err := stream.Header(); err != nil {
		fail(err)
		return
	}
	once()
	var response []byte
	for {
		if err := stream.RecvMsg(&response); err != nil {
			if !errors.Is(err, io.EOF) {
				fail(err)
			}
			return
		}
		counts.responses.Add(1)
		counts.bytes.Add(int64(len(response)))
		if counts.measuring.Load() {
			received := time.Since(processStart).Nanoseconds()
			if entries, sent, ok := firstStamp(response); ok {
				*latencies = append(*latencies, latency{received - sent, entries})
			}
		}
	}
}

// firstStamp reads a TailRobotPartLogsResponse (repeated LogEntry logs = 1): its entry
// count, and the send time its first entry carries in `stack` (field 7).
func firstStamp(response []byte) (entries int64, sent int64, ok bool) {
	var first []byte
	for len(response) > 0 {
		key, n := binary.Uvarint(response)
		if n <= 0 || key&7 != 2 {
			return 0, 0, false
		}
		size, m := binary.Uvarint(response[n:])
		if m <= 0 || uint64(len(response)-n-m) < size {
			return 0, 0, false
		}
		if key>>3 == 1 {
			if entries == 0 {
				first = response[n+m : n+m+int(size)]
			}
			entries++
		}
		response = response[n+m+int(size):]
	}
	stack := stringField(first, 7)
	if len(stack) != len(stampPlaceholder) {
		return entries, 0, false
	}
	value, err := strconv.ParseInt(string(stack), 16, 64)
	return entries, value, err == nil
}

// stringField is a length-delimited field of a message (nil if absent); other wire types are stepped over.
func stringField(message []byte, number uint64) []byte {
	for len(message) > 0 {
		key, n := binary.Uvarint(message)
		if n <= 0 {
			return nil
		}
		message = message[n:]
		switch key & 7 {
		case 0:
			_, m := binary.Uvarint(message)
			if m <= 0 {
				return nil
			}
			message = message[m:]
		case 1, 5:
			width := 8
			if key&7 == 5 {
				width = 4
			}
			if len(message) < width {
				return nil
			}
			message = message[width:]
		case 2:
			size, m := binary.Uvarint(message)
			if m <= 0 || uint64(len(message)-m) < size {
				return nil
			}
			if key>>3 == number {
				return message[m : m+int(size)]
			}
			message = message[m+int(size):]
		default:
			return nil
		}
	}
	return nil
}

// stamped is request with every stampPlaceholder replaced by the current send time.
func stamped(request []byte) []byte {
	if !bytes.Contains(request, stampPlaceholder) {
		return request
	}
	stamp := []byte(fmt.Sprintf("%016x", time.Since(processStart).Nanoseconds()))
	out := bytes.Clone(request)
	for offset := 0; ; {
		index := bytes.Index(out[offset:], stampPlaceholder)
		if index < 0 {
			return out
		}
		copy(out[offset+index:], stamp)
		offset += index + len(stamp)
	}
}

// percentiles of the entries' latencies in ms (each response counted once per entry it carried).
func percentiles(samples []latency, fractions ...float64) []float64 {
	sort.Slice(samples, func(i, j int) bool { return samples[i].nanos < samples[j].nanos })
	var total int64
	for _, sample := range samples {
		total += sample.entries
	}
	out := make([]float64, len(fractions))
	for i, fraction := range fractions {
		out[i] = math.NaN()
		rank := int64(fraction * float64(total))
		var seen int64
		for _, sample := range samples {
			seen += sample.entries
			if seen > rank {
				out[i] = float64(sample.nanos) / 1e6
				break
			}
		}
	}
	return out
}

// pushPaced sends m's requests round-robin at callsPerSecond until ctx ends.
func pushPaced(ctx context.Context, conn *grpc.ClientConn, m machine, callsPerSecond float64, phase float64) {
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+m.token)
	interval := time.Duration(float64(time.Second) / callsPerSecond)
	next := time.Now().Add(time.Duration(phase * float64(interval)))
	var reply []byte
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		request := stamped(m.requests[i%len(m.requests)])
		if err := conn.Invoke(ctx, "/viam.app.v1.RobotService/Log", &request, &reply, grpc.ForceCodec(rawCodec{})); err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "loadgen: Log:", err)
		}
		next = next.Add(interval)
	}
}

func tailMain(conns []*grpc.ClientConn, callsPerSecond float64, warmup time.Duration) {
	stdin := bufio.NewReader(os.Stdin)
	owner, tails, machines, err := readTailInput(stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen: reading tail input:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithCancel(context.Background())
	counts := &tailCounts{}
	var subscribed, running sync.WaitGroup
	latencies := make([][]latency, len(tails)) // one slice per tail: no sharing while they run
	for i, request := range tails {
		subscribed.Add(1)
		running.Add(1)
		go func(conn *grpc.ClientConn, request []byte, latencies *[]latency) {
			defer running.Done()
			tail(ctx, conn, owner, request, counts, &subscribed, latencies)
		}(conns[i%len(conns)], request, &latencies[i])
	}
	subscribed.Wait()
	rng := rand.New(rand.NewSource(5))
	for i, m := range machines {
		if callsPerSecond <= 0 {
			break // tails only, no ingest
		}
		running.Add(1)
		go func(conn *grpc.ClientConn, m machine, phase float64) {
			defer running.Done()
			pushPaced(ctx, conn, m, callsPerSecond, phase)
		}(conns[i%len(conns)], m, rng.Float64())
	}
	time.Sleep(warmup)
	counts.responses.Store(0)
	counts.bytes.Store(0)
	counts.measuring.Store(true)
	started := time.Now()
	fmt.Println("ready")
	io.Copy(io.Discard, stdin) // until the benchmark closes stdin
	counts.measuring.Store(false)
	elapsed := time.Since(started).Seconds()
	responses, size := counts.responses.Load(), counts.bytes.Load()
	cancel()
	running.Wait()
	if first := counts.firstFailure.Load(); first != nil {
		fmt.Fprintln(os.Stderr, "loadgen: first failed tail:", first)
	}
	var all []latency
	for _, samples := range latencies {
		all = append(all, samples...)
	}
	var entries int64
	for _, sample := range all {
		entries += sample.entries
	}
	ms := percentiles(all, 0.5, 0.99)
	fmt.Printf("%d %d %.6f %d %d %.3f %.3f\n", responses, size, elapsed, counts.failed.Load(), entries, ms[0], ms[1])
}
