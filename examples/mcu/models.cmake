# The other shipped models in int8, each on a stretch of its own real test data
# (examples/data/mcu_streams/<model>/, written by studies/m4_footprint.py streams), all in
# the product budget of budget.ld: the footprint table of the README (studies/m4_footprint.py).
set(streams ${PROJECT_SOURCE_DIR}/examples/data/mcu_streams)
mubi_firmware(NAME mubi_fw_motionsense_int8 MODEL mubi::configs::MotionSense<> INT8 BLOB ${models}/motionsense.int8.mubi
              LD budget.ld STREAM ${streams}/motionsense/stream.f32 EXPECT ${streams}/motionsense/expected_int8.f32
              TITLE "int8 MotionSense model"
              CLASSES "walking downstairs" "walking upstairs" walking jogging standing sitting)
mubi_firmware(NAME mubi_fw_daphnet_int8 MODEL mubi::configs::Daphnet<> INT8 BLOB ${models}/daphnet.int8.mubi
              LD budget.ld STREAM ${streams}/daphnet/stream.f32 EXPECT ${streams}/daphnet/expected_int8.f32
              TITLE "int8 Daphnet model" CLASSES no_freeze freeze)
mubi_firmware(NAME mubi_fw_wisdm_int8 MODEL "mubi::MuBiConvLSTM<128, 3, 5>" INT8 BLOB ${models}/wisdm.int8.mubi
              LD budget.ld STREAM ${streams}/wisdm/stream.f32 EXPECT ${streams}/wisdm/expected_int8.f32
              TITLE "int8 WISDM-2019 watch model" CLASSES walking jogging stairs sitting standing)
