# Ask Blender itself to quit.
import bpy

bpy.ops.wm.quit_blender()
