# The espeak-ng test set (500 utterances of voices never trained on: the tenth run's test utterances, built alone in
# a minute), sourced by train_aut_tiny_en.sh, which keeps its sentences out of training, and evaluate_aut_tiny_en.sh,
# which measures on it: one command, so the two always mean the same 500 utterances.
#   build_espeak_test_set PY DATA SHARED   # writes DATA/espeak-test/test unless it is there
build_espeak_test_set() {
    if [ ! -f "$2/espeak-test/test/metadata.csv" ]; then
        "$1" -m uomni_hf.corpus --output_dir "$2/espeak-test" --num_train 0 --num_validation 0 --num_test 500 \
            --seed 1 --text_file "$3/ljspeech-text/metadata.csv" --overwrite
    fi
}

# Short utterances of the same held-out voices (300 of `uomni-make-corpus --short_utterances --seed 2`: a word, a digit
# string or a command of two to four words alone, with silence around): what a user says first to a device.
#   build_espeak_short_test_set PY DATA   # writes DATA/espeak-short-test/test unless it is there
build_espeak_short_test_set() {
    if [ ! -f "$2/espeak-short-test/test/metadata.csv" ]; then
        "$1" -m uomni_hf.corpus --output_dir "$2/espeak-short-test" --num_train 0 --num_validation 0 --num_test 300 \
            --seed 2 --short_utterances --overwrite
    fi
}
