"""Acoustics of real recordings, simulated on the fly: speed, rooms, noise, microphones, telephones, gain and clipping.

Clean synthetic or studio speech teaches a model a world without rooms or microphones. Each training utterance gets
a random chain, in the order sound meets it: speed perturbation (the talker), room reverberation (a simulated
impulse response), additive noise at a random SNR (coloured noise, or babble made of other utterances of the batch),
microphone colouring (a random EQ), a telephone or codec channel (8 kHz band-limited round trip, G.711 µ-law, GSM,
low-bitrate MP3) and gain with clipping.

Libraries, chosen by speed on 2 CPU cores (`benchmarks/bench_augmentation.py`, ms of one core per audio second):
pedalboard (Spotify's JUCE-based C++ effects) for filters, EQ, resampling and the GSM and MP3 codecs (EQ 0.77 vs
audiomentations' `SevenBandParametricEQ` 0.95; audiomentations has no GSM codec and its MP3 needs extra packages);
pyroomacoustics for room impulse responses, simulated once per run into a bank and applied by FFT convolution
(0.49), where audiomentations' `RoomSimulator` simulates a room for every call (33). The whole chain at the training
probabilities costs about 2.7 ms per audio second, as much as an eager training step of the model: run it in
dataloader workers (`--dataloader_num_workers`).

Every draw comes from a generator seeded by (seed, epoch, example index): the same example in the same epoch is
augmented the same way in a resumed run as in an uninterrupted one, whatever process or worker handles it.
"""

from dataclasses import dataclass, field

import numpy as np


SAMPLING_RATE = 16000


@dataclass
class AugmentationConfig:
    """Probabilities (per utterance) and ranges of each simulated effect; all off by default. Also `uomni-train`'s
    command-line arguments (`--reverb_prob 0.4`, ...)."""

    speed_factors: list[float] = field(
        default_factory=list,
        metadata={"help": "Speed factors drawn per training utterance, e.g. 0.9 1.0 1.1.", "nargs": "*",
                  "aliases": ["--speed_perturbation"]},
    )  # fmt: skip
    reverb_prob: float = field(default=0.0, metadata={"help": "Probability of a simulated room's reverberation."})
    noise_prob: float = field(default=0.0, metadata={"help": "Probability of additive noise (coloured or babble)."})
    noise_snr_db: list[float] = field(default_factory=lambda: [5.0, 30.0], metadata={"nargs": 2})
    babble_fraction: float = field(
        default=0.3, metadata={"help": "Of the noisy utterances, the share that gets babble of other utterances."}
    )
    eq_prob: float = field(default=0.0, metadata={"help": "Probability of a random microphone EQ."})
    telephone_prob: float = field(default=0.0, metadata={"help": "Probability of a telephone line or lossy codec."})
    gain_prob: float = field(default=0.0, metadata={"help": "Probability of a random gain (--gain_db range)."})
    gain_db: list[float] = field(default_factory=lambda: [-20.0, 10.0], metadata={"nargs": 2})
    clipping_prob: float = field(default=0.0, metadata={"help": "Probability of clipping (0-12 dB of overdrive)."})
    num_rooms: int = field(default=64, metadata={"help": "Simulated rooms in the impulse-response bank."})

    def __post_init__(self):
        for name in ("reverb_prob", "noise_prob", "babble_fraction", "eq_prob", "telephone_prob", "gain_prob",
                     "clipping_prob"):  # fmt: skip
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"`{name}` must be a probability in [0, 1], got {getattr(self, name)}.")
        if any(f <= 0 for f in self.speed_factors):
            raise ValueError(f"speed factors must be positive, got {self.speed_factors}.")
        for name in ("noise_snr_db", "gain_db"):
            low, high = getattr(self, name)
            if low > high:
                raise ValueError(f"`{name}` must be (low, high) with low <= high, got {getattr(self, name)}.")

    @property
    def enabled(self) -> bool:
        return bool(self.speed_factors) or any(
            p > 0 for p in (self.reverb_prob, self.noise_prob, self.eq_prob, self.telephone_prob, self.gain_prob,
                            self.clipping_prob)
        )  # fmt: skip


def simulate_room_impulse_responses(count: int, seed: int) -> list[np.ndarray]:
    """`count` impulse responses of random shoebox rooms (2.5-10 m, walls absorbing 10-70 %), source and microphone
    at random places, by pyroomacoustics' image source method; normalized to a unit direct path."""
    import pyroomacoustics as pra

    rng = np.random.default_rng([seed, 0x5EED])
    responses = []
    for _ in range(count):
        size = rng.uniform([2.5, 2.5, 2.2], [10.0, 8.0, 4.0])
        room = pra.ShoeBox(size.tolist(), fs=SAMPLING_RATE, materials=pra.Material(float(rng.uniform(0.1, 0.7))),
                           max_order=int(rng.integers(6, 17)))  # fmt: skip
        room.add_source(rng.uniform(0.4, size - 0.4).tolist())
        room.add_microphone(rng.uniform(0.4, size - 0.4).tolist())
        room.compute_rir()
        response = np.asarray(room.rir[0][0], dtype=np.float64)
        responses.append((response / np.abs(response).max()).astype(np.float32))
    return responses


class AcousticAugmenter:
    """Applies a random chain of effects (see the module docstring) to 16 kHz mono float32 audio."""

    def __init__(self, config: AugmentationConfig, seed: int = 0):
        self.config = config
        self.seed = seed
        self.epoch = 0  # set by the trainer at each epoch, so every epoch draws new effects
        self._rooms: list[np.ndarray] | None = None

    @property
    def rooms(self) -> list[np.ndarray]:
        if self._rooms is None:  # simulated on first use, in the process that needs them
            self._rooms = simulate_room_impulse_responses(self.config.num_rooms, self.seed)
        return self._rooms

    def rng(self, index: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.epoch, index])

    def speed_factor(self, index: int) -> float:
        """The speed factor of example `index` this epoch (drawn first, so the collator can check feasibility)."""
        if not self.config.speed_factors:
            return 1.0
        return float(self.rng(index).choice(self.config.speed_factors))

    def __call__(self, audio: np.ndarray, index: int, speed: float = 1.0, babble: list[np.ndarray] | None = None):
        config, rng = self.config, self.rng(index)
        rng.random()  # skip a first draw, as `speed_factor` (which draws from a stream seeded alike) does
        audio = np.asarray(audio, dtype=np.float32)
        if speed != 1.0:
            audio = change_speed(audio, speed)
        if rng.random() < config.reverb_prob:
            audio = reverberate(audio, self.rooms[int(rng.integers(len(self.rooms)))])
        if rng.random() < config.noise_prob:
            snr_db = rng.uniform(*config.noise_snr_db)
            if babble and rng.random() < config.babble_fraction:
                noise = make_babble(babble, len(audio), rng)
            else:
                noise = coloured_noise(len(audio), exponent=float(rng.uniform(0.0, 2.0)), rng=rng)
            audio = add_noise(audio, noise, snr_db)
        if rng.random() < config.eq_prob:
            audio = microphone_colouring(audio, rng)
        if rng.random() < config.telephone_prob:
            audio = telephone_channel(audio, rng)
        if rng.random() < config.gain_prob:
            audio = audio * np.float32(10 ** (rng.uniform(*config.gain_db) / 20))
        if rng.random() < config.clipping_prob:
            audio = clip(audio, headroom_db=float(rng.uniform(0.0, 12.0)))
        return np.clip(np.nan_to_num(audio), -1.0, 1.0).astype(np.float32)


def change_speed(audio: np.ndarray, factor: float) -> np.ndarray:
    """Play `factor` times faster, tempo and pitch together (like `sox speed`), by linear-interpolation resampling."""
    new_length = max(1, int(round(len(audio) / factor)))
    return np.interp(np.linspace(0, len(audio) - 1, new_length), np.arange(len(audio)), audio).astype(np.float32)


def reverberate(audio: np.ndarray, impulse_response: np.ndarray) -> np.ndarray:
    """Convolve with a room's impulse response, same length as the input, at the input's RMS level."""
    from scipy.signal import fftconvolve

    wet = fftconvolve(audio, impulse_response)[: len(audio)]
    return (wet * (_rms(audio) / max(_rms(wet), 1e-8))).astype(np.float32)


def coloured_noise(length: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Noise whose power falls as 1 / f**exponent: 0 white, 1 pink, 2 brown."""
    spectrum = rng.standard_normal(length // 2 + 1) + 1j * rng.standard_normal(length // 2 + 1)
    frequencies = np.fft.rfftfreq(length)
    frequencies[0] = frequencies[1] if length > 1 else 1.0
    noise = np.fft.irfft(spectrum * frequencies ** (-exponent / 2), n=length)
    return (noise / max(_rms(noise), 1e-12)).astype(np.float32)


def make_babble(sources: list[np.ndarray], length: int, rng: np.random.Generator) -> np.ndarray:
    """Two to four other utterances talking at once, each looped to `length` from a random offset."""
    babble = np.zeros(length, dtype=np.float32)
    for _ in range(int(rng.integers(2, 5))):
        source = np.asarray(sources[int(rng.integers(len(sources)))], dtype=np.float32)
        if len(source) == 0:
            continue
        looped = np.resize(np.roll(source, -int(rng.integers(len(source)))), length)
        babble += looped / max(_rms(looped), 1e-8)
    return babble


def add_noise(audio: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    scale = _rms(audio) / max(_rms(noise), 1e-12) / 10 ** (snr_db / 20)
    return (audio + scale * noise).astype(np.float32)


def microphone_colouring(audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random microphone response: a high-pass (small or distant mics lose bass), low and high shelves, and two
    resonances or notches."""
    import pedalboard

    effects = [
        pedalboard.HighpassFilter(cutoff_frequency_hz=float(rng.uniform(40, 300))),
        pedalboard.LowShelfFilter(cutoff_frequency_hz=float(rng.uniform(100, 400)), gain_db=float(rng.uniform(-8, 6))),
        pedalboard.HighShelfFilter(cutoff_frequency_hz=float(rng.uniform(3000, 7000)), gain_db=float(rng.uniform(-12, 6))),
    ]  # fmt: skip
    for _ in range(2):
        effects.append(pedalboard.PeakFilter(cutoff_frequency_hz=float(np.exp(rng.uniform(np.log(200), np.log(6000)))),
                                             gain_db=float(rng.uniform(-10, 10)), q=float(rng.uniform(0.5, 4))))  # fmt: skip
    return _process(pedalboard.Pedalboard(effects), audio)


TELEPHONE_CHANNELS = ("narrowband", "g711", "gsm", "mp3")


def telephone_channel(audio: np.ndarray, rng: np.random.Generator, channel: str | None = None) -> np.ndarray:
    """A phone line or a lossy codec: 300-3400 Hz at 8 kHz and back (`narrowband`), the same with G.711 µ-law
    8-bit companding (`g711`), the GSM full-rate codec (`gsm`), or variable-bitrate MP3 at low quality (`mp3`)."""
    import pedalboard

    channel = channel or TELEPHONE_CHANNELS[int(rng.integers(len(TELEPHONE_CHANNELS)))]
    if channel == "mp3":
        return _process(pedalboard.MP3Compressor(vbr_quality=float(rng.uniform(6.0, 9.5))), audio)
    if channel == "gsm":
        return _process(pedalboard.GSMFullRateCompressor(), audio)
    band = pedalboard.Pedalboard([pedalboard.HighpassFilter(300), pedalboard.LowpassFilter(3400)])
    narrow = _process(band, audio)
    narrow = _process(pedalboard.Resample(target_sample_rate=8000), narrow)  # down to 8 kHz and back up
    if channel == "g711":
        narrow = mu_law_round_trip(narrow)
    return narrow


def mu_law_round_trip(audio: np.ndarray, bits: int = 8) -> np.ndarray:
    """G.711 µ-law: compand, quantize to 8 bits, expand."""
    mu = 2**bits - 1
    companded = np.sign(audio) * np.log1p(mu * np.abs(np.clip(audio, -1, 1))) / np.log1p(mu)
    quantized = np.round((companded + 1) / 2 * mu) / mu * 2 - 1
    return (np.sign(quantized) * ((1 + mu) ** np.abs(quantized) - 1) / mu).astype(np.float32)


def clip(audio: np.ndarray, headroom_db: float) -> np.ndarray:
    """An overdriven input: amplify so the peak is `headroom_db` above full scale, clip, bring the level back."""
    peak = float(np.abs(audio).max())
    if peak == 0.0:
        return audio
    drive = 10 ** (headroom_db / 20) / peak
    return (np.clip(audio * drive, -1.0, 1.0) / drive).astype(np.float32)


def _process(effect, audio: np.ndarray) -> np.ndarray:
    out = effect(audio.astype(np.float32)[None, :], SAMPLING_RATE)[0]
    if len(out) != len(audio):  # codecs and resamplers may add or drop a few samples of latency
        out = np.pad(out, (0, max(0, len(audio) - len(out))))[: len(audio)]
    return out.astype(np.float32)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0
